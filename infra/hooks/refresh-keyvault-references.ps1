# Windows twin of refresh-keyvault-references.sh (azd postprovision hook); see that file for why it exists.
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_NAME') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set (azd sets it)." }
}
$timeout = [int]($env:KEYVAULT_REFRESH_TIMEOUT_SECONDS ?? 900)
$interval = [int]($env:KEYVAULT_REFRESH_INTERVAL_SECONDS ?? 15)
$api = '2024-11-01'
$site = "/subscriptions/$($env:AZURE_SUBSCRIPTION_ID)/resourceGroups/$($env:AZURE_RESOURCE_GROUP)/providers/Microsoft.Web/sites/$($env:AZURE_FUNCTION_NAME)"
$deadline = (Get-Date).AddSeconds($timeout)
while ($true) {
    az rest --method post --url "$site/config/configreferences/appsettings/refresh?api-version=$api" --output none
    if ($LASTEXITCODE -ne 0) { throw 'The Key Vault reference refresh failed.' }
    $unresolved = az rest --method get --url "$site/config/configreferences/appsettings?api-version=$api" `
        --query "value[?properties.status!='Resolved'].name" --output tsv
    if ($LASTEXITCODE -ne 0) { throw 'Reading the Key Vault reference status failed.' }
    if (-not $unresolved) { Write-Host "Key Vault references of $($env:AZURE_FUNCTION_NAME): all resolved."; exit 0 }
    if ((Get-Date) -ge $deadline) {
        Write-Error "Key Vault references still unresolved after $timeout s: $($unresolved -join ' '). Check the identity's Key Vault Secrets User role, the vault's network access and the secret URIs; re-run: azd hooks run postprovision"
        exit 1
    }
    Write-Host "Waiting for Key Vault references to resolve: $($unresolved -join ' ')"
    Start-Sleep -Seconds $interval
}
