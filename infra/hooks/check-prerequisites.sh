#!/bin/sh
# azd preprovision hook (azure.yaml): check what the first `azd up` on a fresh subscription needs, before anything is
# created, and stop with one sentence that says what is missing and what to run.
#
# 1. az is installed and logged in: the postprovision hook (refresh-keyvault-references.sh) calls az, and azd's own login
#    (`azd auth login`) is not shared with az, so without this check `azd up` provisions everything and then stops before
#    deploying.
# 2. The deploying identity may create role assignments on the subscription or the resource group: the template assigns 8
#    roles (modules/rbac.bicep, modules/operator-access.bicep), which needs Microsoft.Authorization/roleAssignments/write.
#    Contributor does not have it; Owner, User Access Administrator and Role Based Access Control Administrator do
#    (Learn, "Assign Azure roles using Bicep", Prerequisites). A custom role that grants it is not recognised by name:
#    set SKIP_ROLE_ASSIGNMENT_CHECK=true to skip this check then.
# 3. With VNET_ENABLED=true the app's subnet is delegated to Microsoft.App/environments, which needs the Microsoft.App
#    resource provider registered on the subscription (a new subscription has it unregistered): registered here when the
#    identity may, else the sentence says who must.
#
# Needs: AZURE_SUBSCRIPTION_ID (azd sets it); reads AZURE_RESOURCE_GROUP, VNET_ENABLED and ALERT_EMAIL from the azd
# environment. Only calls az and the shell's built-ins, so Infra.Tests can run it against a fake az.
set -u

fail() {
  echo "$1" >&2
  exit 1
}

sub="${AZURE_SUBSCRIPTION_ID:-}"
[ -n "${sub}" ] || fail "AZURE_SUBSCRIPTION_ID is not set: run this through azd (azd up / azd provision), which sets it."

command -v az >/dev/null 2>&1 \
  || fail "The Azure CLI (az) is not installed; the postprovision hook needs it: install it (https://learn.microsoft.com/cli/azure/install-azure-cli), run az login, then azd up again."

az account show --subscription "${sub}" --output none >/dev/null 2>&1 \
  || fail "az is not logged in to subscription ${sub} (azd's login is not shared with az): run az login (and az account set --subscription ${sub}), then azd up again."

# --- 2. May the deploying identity assign roles? -------------------------------------------------------------------------
if [ "${SKIP_ROLE_ASSIGNMENT_CHECK:-false}" != "true" ]; then
  user_type="$(az account show --subscription "${sub}" --query user.type --output tsv 2>/dev/null)"
  if [ "${user_type}" = "servicePrincipal" ]; then
    app_id="$(az account show --subscription "${sub}" --query user.name --output tsv 2>/dev/null)"
    object_id="$(az ad sp show --id "${app_id}" --query id --output tsv 2>/dev/null)"
  else
    object_id="$(az ad signed-in-user show --query id --output tsv 2>/dev/null)"
  fi
  [ -n "${object_id}" ] \
    || fail "Could not read the object id of the identity az is logged in as (Microsoft Graph refused or az has no user); check az login, or set SKIP_ROLE_ASSIGNMENT_CHECK=true if you know it may assign roles."

  # Assignments at the resource group (when it exists) include those inherited from the subscription and above.
  scope="/subscriptions/${sub}"
  if [ -n "${AZURE_RESOURCE_GROUP:-}" ] \
     && [ "$(az group exists --name "${AZURE_RESOURCE_GROUP}" --subscription "${sub}" --output tsv 2>/dev/null)" = "true" ]; then
    scope="${scope}/resourceGroups/${AZURE_RESOURCE_GROUP}"
  fi
  roles="$(az role assignment list --assignee "${object_id}" --scope "${scope}" --include-inherited --include-groups \
    --subscription "${sub}" --query "[].roleDefinitionName" --output tsv 2>/dev/null)" \
    || fail "Could not list the role assignments of ${object_id} on ${scope}; check az login, or set SKIP_ROLE_ASSIGNMENT_CHECK=true if you know it may assign roles."
  may_assign=false
  while IFS= read -r role; do
    case "${role}" in
      "Owner" | "User Access Administrator" | "Role Based Access Control Administrator") may_assign=true ;;
    esac
  done <<EOF
${roles}
EOF
  [ "${may_assign}" = "true" ] \
    || fail "The deploying identity (${object_id}) cannot create role assignments on ${scope}: the template assigns 8 roles, which needs Owner, User Access Administrator or Role Based Access Control Administrator there (Contributor is not enough); ask an owner to grant one, then azd up again."
  echo "Role assignments: the deploying identity may create them on ${scope}."
fi

# --- 3. Microsoft.App for the VNet option -------------------------------------------------------------------------------
if [ "${VNET_ENABLED:-false}" = "true" ]; then
  state="$(az provider show --namespace Microsoft.App --subscription "${sub}" --query registrationState --output tsv 2>/dev/null)"
  if [ "${state}" != "Registered" ]; then
    echo "Registering the Microsoft.App resource provider (the VNet option delegates the app's subnet to it); this can take a few minutes."
    az provider register --namespace Microsoft.App --subscription "${sub}" --wait --output none >/dev/null 2>&1 \
      || fail "The Microsoft.App resource provider is not registered on subscription ${sub} and this identity may not register it: ask an owner to run az provider register --namespace Microsoft.App --subscription ${sub}, or set VNET_ENABLED=false."
  fi
  echo "Microsoft.App: registered."
fi

if [ -z "${ALERT_EMAIL:-}" ]; then
  echo "ALERT_EMAIL is not set: the alerts go to the subscription's Owners (azd env set ALERT_EMAIL ops@example.com to mail a team instead)."
fi
echo "Prerequisites: all met."
