# Windows twin of check-prerequisites.sh (azd preprovision hook); see that file for what is checked and why.
$ErrorActionPreference = 'Continue'
function Fail([string] $sentence) { [Console]::Error.WriteLine($sentence); exit 1 }

$sub = $env:AZURE_SUBSCRIPTION_ID
if (-not $sub) { Fail 'AZURE_SUBSCRIPTION_ID is not set: run this through azd (azd up / azd provision), which sets it.' }

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail 'The Azure CLI (az) is not installed; the postprovision hook needs it: install it (https://learn.microsoft.com/cli/azure/install-azure-cli), run az login, then azd up again.'
}
az account show --subscription $sub --output none 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) {
    Fail "az is not logged in to subscription $sub (azd's login is not shared with az): run az login (and az account set --subscription $sub), then azd up again."
}

if ($env:SKIP_ROLE_ASSIGNMENT_CHECK -ne 'true') {
    $userType = az account show --subscription $sub --query user.type --output tsv 2>$null
    if ($userType -eq 'servicePrincipal') {
        $appId = az account show --subscription $sub --query user.name --output tsv 2>$null
        $objectId = az ad sp show --id $appId --query id --output tsv 2>$null
    } else {
        $objectId = az ad signed-in-user show --query id --output tsv 2>$null
    }
    if (-not $objectId) {
        Fail 'Could not read the object id of the identity az is logged in as (Microsoft Graph refused or az has no user); check az login, or set SKIP_ROLE_ASSIGNMENT_CHECK=true if you know it may assign roles.'
    }
    $scope = "/subscriptions/$sub"
    if ($env:AZURE_RESOURCE_GROUP -and (az group exists --name $env:AZURE_RESOURCE_GROUP --subscription $sub --output tsv 2>$null) -eq 'true') {
        $scope = "$scope/resourceGroups/$($env:AZURE_RESOURCE_GROUP)"
    }
    $roles = az role assignment list --assignee $objectId --scope $scope --include-inherited --include-groups `
        --subscription $sub --query '[].roleDefinitionName' --output tsv 2>$null
    if ($LASTEXITCODE -ne 0) {
        Fail "Could not list the role assignments of $objectId on $scope; check az login, or set SKIP_ROLE_ASSIGNMENT_CHECK=true if you know it may assign roles."
    }
    $allowed = 'Owner', 'User Access Administrator', 'Role Based Access Control Administrator'
    if (-not (@($roles) | Where-Object { $allowed -contains $_ })) {
        Fail "The deploying identity ($objectId) cannot create role assignments on ${scope}: the template assigns 8 roles, which needs Owner, User Access Administrator or Role Based Access Control Administrator there (Contributor is not enough); ask an owner to grant one, then azd up again."
    }
    Write-Host "Role assignments: the deploying identity may create them on $scope."
}

if ($env:VNET_ENABLED -eq 'true') {
    $state = az provider show --namespace Microsoft.App --subscription $sub --query registrationState --output tsv 2>$null
    if ($state -ne 'Registered') {
        Write-Host 'Registering the Microsoft.App resource provider (the VNet option delegates the app''s subnet to it); this can take a few minutes.'
        az provider register --namespace Microsoft.App --subscription $sub --wait --output none 2>$null | Out-Null
        if ($LASTEXITCODE -ne 0) {
            Fail "The Microsoft.App resource provider is not registered on subscription $sub and this identity may not register it: ask an owner to run az provider register --namespace Microsoft.App --subscription $sub, or set VNET_ENABLED=false."
        }
    }
    Write-Host 'Microsoft.App: registered.'
}

if (-not $env:ALERT_EMAIL) {
    Write-Host "ALERT_EMAIL is not set: the alerts go to the subscription's Owners (azd env set ALERT_EMAIL ops@example.com to mail a team instead)."
}
Write-Host 'Prerequisites: all met.'
