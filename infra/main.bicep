// FrontFunctions on Azure: a Flex Consumption function app that receives Front channel webhooks, queues them in
// Storage Queues, enriches them and keeps an id map in Table Storage. `azd up` provisions this and deploys FunctionApp.
// Layout follows Azure-Samples/functions-quickstart-dotnet-azd, with local modules instead of registry modules.
targetScope = 'subscription'

import { alwaysReadyInstance } from 'modules/function-app.bicep'

@description('azd environment name; names the resource group and seeds the unique suffix of every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region of every resource: the Flex Consumption regions of the official quickstart (Azure-Samples/functions-quickstart-dotnet-azd infra/main.bicep, commit fe74255) minus its canary region eastus2euap, which only early-access subscriptions may use: 31. The set changes: `az functionapp list-flexconsumption-locations` is the current truth, and `az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated` shows whether .NET 10 runs there.')
@minLength(1)
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED. Off (0) by default: the .NET 10 isolated host on Flex Consumption can exit at start with placeholders on (Azure/azure-functions-dotnet-worker#3335, open; 0 is the workaround given there). Turn on for faster cold starts once that is fixed. A parameter because the appsettings resource replaces every setting on each provision, so a value set by hand would not survive.')
param dotnetIsolatedPlaceholder bool = false

@description('Private-network option (azd VNET_ENABLED), as the Flex quickstart offers: a VNet with the function app\'s outbound integration and a NAT gateway, private endpoints for storage (blob, queue, table) and Key Vault, and public network access disabled on both. Off by default.')
param vnetEnabled bool = false

@description('Resource group name; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('The App UID from Front\'s developer settings (the iss of channel tokens).')
@minLength(1)
param frontAppUid string

@description('The App secret from Front\'s developer settings. Stored in Key Vault, never in app settings.')
@secure()
@minLength(1)
param frontAppSecret string

@description('The previous App secret while a rotation is in progress; leave empty otherwise.')
@secure()
param frontPreviousAppSecret string = ''

@description('The partner system\'s endpoint for messages sent on the channel in Front (Partner__OutboundUrl); empty = no delivery: the messages stay on queue front-outbound for the partner\'s own consumer and the delivery function is disabled.')
param partnerOutboundUrl string = ''

@description('Standard Webhooks signing secret for deliveries to partnerOutboundUrl: whsec_ + base64 of 24 to 64 random bytes. Required with partnerOutboundUrl.')
@secure()
param partnerSigningSecret string = ''

@description('Base URL of Front\'s API.')
param frontApiBaseUrl string = 'https://api2.frontapp.com'

@description('Memory per Flex Consumption instance in MB: the three sizes Learn documents for Flex Consumption ("Instance sizes": 512 MB = 0.25 core, 2048 MB = 1 core, the default, 4096 MB = 2 cores).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most on-demand instances per scale group (the HTTP group, and each queue-triggered function on its own). Learn ("Event-driven scaling", Limit scale-out): lowest 1, highest 1000; always-ready instances come on top. With frontSharedBudget on (the default) the instances share one Front budget in Table Storage; with it off each paces on its own, so the template divides Front\'s per-company limit by this number (Front__RequestsPerMinute): fewer instances, more budget each.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 1

@description('Front\'s API rate limit for the company, per minute (50, 100 or 200 by Front plan). Passed whole as Front__RequestsPerMinute when frontSharedBudget is on; split evenly over maximumInstanceCount enrichment instances when it is off.')
@minValue(1)
@maxValue(100000)
param frontRateLimitPerMinute int = 100

@description('Front\'s burst limit for the company, per second (about 5). Passed whole as Front__BurstPerSecond when frontSharedBudget is on (it sizes the shared bucket); split over maximumInstanceCount when it is off.')
@minValue(1)
@maxValue(1000)
param frontBurstPerSecond int = 5

@description('One Front budget shared by all instances (Front__SharedBudget__Enabled): a token bucket in the FrontBudget table, refilled at the whole company limit, leased in small batches. On by default. Off: each instance paces alone at the company limit divided by maximumInstanceCount.')
param frontSharedBudget bool = true

@description('Always-ready instances per trigger group. One warm HTTP instance answers Front\'s webhooks without a cold start; add function:EnrichImportedMessage to keep enrichment warm too.')
param alwaysReady alwaysReadyInstance[] = [
  {
    name: 'http'
    instanceCount: 1
  }
]

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days a webhook payload blob (container front-ingest-payloads) may live before the lifecycle rule deletes it. The app deletes each one once processed; this is the safety net. 7 = the ingest queue\'s message TTL, so a queued pointer never outlives its payload; a poisoned item\'s blob is kept under failed/, which the rule spares.')
@minValue(1)
@maxValue(365)
param payloadRetentionDays int = 7

@description('Days Log Analytics keeps logs and Application Insights telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Days a deleted Key Vault or secret can be recovered (7 to 90). 90 by default; a throwaway dev environment may use 7.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Key Vault purge protection: on by default. Irreversible, and the vault name stays reserved after `azd down` until the soft-delete retention ends (a new `azd up` under the same environment name then fails): turn off only for throwaway environments.')
param keyVaultPurgeProtection bool = true

@description('Give an operator data roles on the storage account (Queue Data Contributor, Table Data Reader, Blob Data Reader) so the README\'s poison-queue, re-queue and failures-table steps work with shared keys off. On by default (dev environments); set false in production and grant a group instead, or pass the group as operatorPrincipalId.')
param operatorRoles bool = true

@description('Object id of the operator (user or group) given those roles; empty for the identity running the deployment (deployer().objectId).')
param operatorPrincipalId string = ''

@description('Kind of operatorPrincipalId: User, Group or ServicePrincipal; empty lets Azure resolve it (use empty when a service principal deploys).')
@allowed([
  ''
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = ''

@description('E-mail address for the alerts (poison messages, ingest backlog, webhook 5xx, Front 429s); empty sends them to the subscription\'s Owners (an Azure Resource Manager role receiver), so an alert never fires into nothing.')
param alertEmailAddress string = ''

var abbrs = loadJsonContent('abbreviations.json')
// With the shared budget the instances lease from one bucket refilled at the company's whole limit. Without it each
// enrichment instance has its own limiter: N instances at the full rate would send N times Front's limit, so it is split.
var frontRequestsPerMinutePerInstance = frontSharedBudget ? frontRateLimitPerMinute : max(1, frontRateLimitPerMinute / maximumInstanceCount)
var frontBurstPerSecondPerInstance = frontSharedBudget ? frontBurstPerSecond : max(1, frontBurstPerSecond / maximumInstanceCount)
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}front-${resourceToken}'
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}front-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var vnetName = '${abbrs.networkVirtualNetworks}${resourceToken}'
var privateEndpointSubnetName = 'private-endpoints'

// Names the app uses (FunctionApp/Storage/StorageNames.cs), written as literals so Infra.Tests can compare them.
// The poison queue is created up front too: the host would create it on the first failure. The alert on messages
// reaching it is modules/alerts.bicep (poison-messages).
var storageQueueNames = [
  'front-ingest'
  'front-ingest-poison'
  'front-import-checks'
  'front-import-checks-poison'
  'front-outbound'
  'front-outbound-poison'
]
var storageTableNames = [
  'FrontChannels'
  'FrontIdMap'
  'FrontDeliveryFailures'
  'FrontImports'
  'FrontBudget'
  'FrontSeenSignatures'
  'FrontConsole'
  'FrontSeenMarks'
]
var storageContainerNames = [
  'front-ingest-payloads'
]

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: applicationInsightsName
    namePrefix: 'front-${resourceToken}'
    location: location
    tags: tags
    alertEmailAddress: alertEmailAddress
    frontApiBaseUrl: frontApiBaseUrl
    partnerDeliveryEnabled: !empty(partnerOutboundUrl)
  }
  dependsOn: [
    monitoring
  ]
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    queueNames: storageQueueNames
    tableNames: storageTableNames
    containerNames: storageContainerNames
    privateNetworkOnly: vnetEnabled
    payloadContainerName: storageContainerNames[0]
    payloadRetentionDays: payloadRetentionDays
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    enablePurgeProtection: keyVaultPurgeProtection
    frontAppSecret: frontAppSecret
    frontPreviousAppSecret: frontPreviousAppSecret
    partnerSigningSecret: partnerSigningSecret
    privateNetworkOnly: vnetEnabled
  }
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: vnetName
    natGatewayName: '${abbrs.networkNatGateways}${resourceToken}'
    publicIpName: '${abbrs.networkPublicIPAddresses}${resourceToken}'
    location: location
    tags: tags
    privateEndpointSubnetName: privateEndpointSubnetName
    appSubnetName: 'app'
  }
}

module privateEndpoints 'modules/private-endpoints.bicep' = if (vnetEnabled) {
  name: 'privateEndpoints'
  scope: rg
  params: {
    virtualNetworkName: vnetName
    subnetName: privateEndpointSubnetName
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    location: location
    tags: tags
    namePrefix: '${abbrs.networkPrivateEndpoints}${resourceToken}-'
  }
  dependsOn: [
    network
    storage
    keyVault
  ]
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  // Names computed here rather than taken from module outputs, so What-If can predict the assignments;
  // the dependencies are then explicit.
  params: {
    identityName: identityName
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
  }
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
}

module operatorAccess 'modules/operator-access.bicep' = if (operatorRoles) {
  name: 'operatorAccess'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    principalId: !empty(operatorPrincipalId) ? operatorPrincipalId : deployer().objectId
    principalType: operatorPrincipalType
  }
  dependsOn: [
    storage
  ]
}

module functionApp 'modules/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReady: alwaysReady
    frontApiBaseUrl: frontApiBaseUrl
    frontAppUid: frontAppUid
    frontAppSecretUri: keyVault.outputs.appSecretUri
    frontPreviousAppSecretUri: keyVault.outputs.previousAppSecretUri
    partnerOutboundUrl: partnerOutboundUrl
    partnerSigningSecretUri: keyVault.outputs.partnerSigningSecretUri
    dotnetIsolatedPlaceholder: dotnetIsolatedPlaceholder
    frontRequestsPerMinute: frontRequestsPerMinutePerInstance
    frontBurstPerSecond: frontBurstPerSecondPerInstance
    frontSharedBudget: frontSharedBudget
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
  }
  // The roles must exist before the app first starts: the host needs storage, and Key Vault references resolve at start.
  dependsOn: [
    monitoring
    rbac
    privateEndpoints
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output FRONT_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/front/channels'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output VNET_ENABLED bool = vnetEnabled
// The app's fixed outbound address with the VNet option (NAT gateway); empty without it.
output FUNCTION_OUTBOUND_IP string = vnetEnabled ? network!.outputs.outboundIp : ''
