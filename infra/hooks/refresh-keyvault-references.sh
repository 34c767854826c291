#!/bin/sh
# azd postprovision hook (azure.yaml): make App Service resolve the function app's Key Vault references now, and wait
# until every one reports Resolved, so the app never starts on the literal @Microsoft.KeyVault(...) text.
#
# Why: the app's identity gets Key Vault Secrets User in the same deployment, and a role assignment can take minutes to
# propagate. App Service resolves references when the settings change and then caches them (refetch every 24 h), so a
# first resolution that ran before the role was effective can leave the setting unresolved. Learn's documented remedy is
# the refresh action, POST <site id>/config/configreferences/appsettings/refresh ("Use Key Vault references as app
# settings", section "Understand rotation"). It is an action, not a resource, so Bicep cannot call it: this hook does.
#
# Needs: az (logged in; azd's login is not shared with az), AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and
# AZURE_FUNCTION_NAME (azd exports the environment and the template outputs to hooks).
# KEYVAULT_REFRESH_TIMEOUT_SECONDS (default 900: Learn says a role assignment can take up to 10 minutes
# to take effect, "Troubleshoot Azure RBAC", "Symptom - Role assignment changes are not being detected") bounds the wait; KEYVAULT_REFRESH_INTERVAL_SECONDS (default 15) paces it.
set -eu

: "${AZURE_SUBSCRIPTION_ID:?AZURE_SUBSCRIPTION_ID is not set (azd sets it; run through azd or export it)}"
: "${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP is not set}"
: "${AZURE_FUNCTION_NAME:?AZURE_FUNCTION_NAME is not set (an output of infra/main.bicep)}"

timeout="${KEYVAULT_REFRESH_TIMEOUT_SECONDS:-900}"
interval="${KEYVAULT_REFRESH_INTERVAL_SECONDS:-15}"
api="2024-11-01"
# A resource id without a host: az rest prefixes the ARM endpoint of the current cloud.
site="/subscriptions/${AZURE_SUBSCRIPTION_ID}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.Web/sites/${AZURE_FUNCTION_NAME}"
deadline=$(( $(date +%s) + timeout ))

while :; do
  az rest --method post --url "${site}/config/configreferences/appsettings/refresh?api-version=${api}" --output none
  unresolved="$(az rest --method get --url "${site}/config/configreferences/appsettings?api-version=${api}" \
    --query "value[?properties.status!='Resolved'].name" --output tsv)"
  if [ -z "${unresolved}" ]; then
    echo "Key Vault references of ${AZURE_FUNCTION_NAME}: all resolved."
    exit 0
  fi
  if [ "$(date +%s)" -ge "${deadline}" ]; then
    echo "Key Vault references still unresolved after ${timeout} s: $(echo "${unresolved}" | tr '\n' ' ')" >&2
    echo "Check the identity's Key Vault Secrets User role, the vault's network access and the secret URIs;" \
         "the app refuses to start while a Front secret is unresolved. Re-run: azd hooks run postprovision" >&2
    exit 1
  fi
  echo "Waiting for Key Vault references to resolve: $(echo "${unresolved}" | tr '\n' ' ')"
  sleep "${interval}"
done
