// The Flex Consumption plan and the function app: Linux, dotnet-isolated 10.0, running as the user-assigned identity.
// Storage, Key Vault and Application Insights are all reached with that identity: no keys in app settings.

@description('One always-ready entry: \'http\' (all HTTP triggers), \'blob\', \'durable\' or \'function:<FunctionName>\'.')
@export()
type alwaysReadyInstance = {
  @description('Trigger group or function: http, blob, durable or function:<FunctionName>.')
  @minLength(1)
  name: string

  @description('Instances kept warm for that group (billed while idle).')
  @minValue(0)
  @maxValue(1000)
  instanceCount: int
}

@description('Name of the function app (also the first label of its default host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('azd service name; azd finds the app to deploy to by the azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Name of the storage account (AzureWebJobsStorage__accountName: the host and the app derive the blob, queue and table endpoints from it).')
param storageAccountName string

@description('Blob endpoint of the storage account (https://<account>.blob.<suffix>/): where the Flex plan deploys the package from.')
param blobEndpoint string

@description('Blob container the Flex plan deploys the package from.')
param deploymentContainerName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Memory per instance; also sets the CPU share (Learn, Flex Consumption "Instance sizes").')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound of on-demand instances per scale group (Flex: 1 to 1000).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Front API requests per minute (Front__RequestsPerMinute): the whole company limit with the shared budget, else the company limit divided by maximumInstanceCount.')
@minValue(1)
param frontRequestsPerMinute int

@description('Front API burst per second for one instance (Front__BurstPerSecond).')
@minValue(1)
param frontBurstPerSecond int

@description('Whether the instances share one Front budget in Table Storage (Front__SharedBudget__Enabled).')
param frontSharedBudget bool

@description('Instances kept warm per trigger group.')
param alwaysReady alwaysReadyInstance[]

@description('Base URL of Front\'s API.')
param frontApiBaseUrl string

@description('The App UID from Front\'s developer settings.')
param frontAppUid string

@description('Key Vault secret URI (with version) of the Front App secret.')
param frontAppSecretUri string

@description('Key Vault secret URI (with version) of the previous Front App secret; empty when none.')
param frontPreviousAppSecretUri string

@description('The partner\'s endpoint for outbound messages (Partner__OutboundUrl); empty = no delivery.')
param partnerOutboundUrl string = ''

@description('Key Vault secret URI (with version) of the partner signing secret; empty when none.')
param partnerSigningSecretUri string = ''

@description('WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED on (1) or off (0); see main.bicep.')
param dotnetIsolatedPlaceholder bool

@description('Subnet for outbound VNet integration (delegated to Microsoft.App/environments); empty for none.')
param virtualNetworkSubnetId string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Inbound stays public: Front calls the webhook from the internet. Outbound goes through the VNet when it is on
    // (Flex routes all outbound traffic through the integration subnet).
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // Key Vault references resolve with the user-assigned identity (the default would be a system-assigned one).
    keyVaultReferenceIdentity: identityId
    // Only properties Flex Consumption accepts: Learn's "Flex Consumption plan deprecations" (functions-app-settings)
    // lists ftpsState among the site properties not to use, and the service answers BadRequest for invalid Flex site
    // config. FTP is off through the ftp basicPublishingCredentialsPolicies below instead.
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        alwaysReady: alwaysReady
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // No FTP and no basic-auth deployments: azd deploys with Entra ID through the deployment container.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

// The whole set is replaced on every deployment: a setting removed here disappears from the app.
// Written out key by key (no union of variables) so the compiled template shows every setting by name.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Identity-based AzureWebJobsStorage: read by the Functions host and by StorageClientRegistration.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The account name, not __blobServiceUri/__queueServiceUri/__tableServiceUri: with the service URIs, Flex hosts had
    // intermittent 401s and an unhealthy host; the account-name form is the workaround given in
    // https://github.com/Azure/azure-functions-host/issues/11782 (tracked on in
    // https://github.com/Azure/azure-functions-host/issues/11787). The endpoints are then the public cloud's
    // (<account>.<service>.core.windows.net), which the private DNS zones resolve to the private endpoints with VNET_ENABLED.
    AzureWebJobsStorage__accountName: storageAccountName

    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    // Entra auth for telemetry: the component has local auth disabled.
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    Front__ApiBaseUrl: frontApiBaseUrl
    Front__AppUid: frontAppUid
    Front__AppSecret: '@Microsoft.KeyVault(SecretUri=${frontAppSecretUri})'
    // Empty outside a rotation: FrontSignatureVerifier ignores an empty previous secret.
    Front__PreviousAppSecret: empty(frontPreviousAppSecretUri)
      ? ''
      : '@Microsoft.KeyVault(SecretUri=${frontPreviousAppSecretUri})'
    Front__PublicBaseUrl: 'https://${functionApp.properties.defaultHostName}'
    // Front's per-company limit (FrontApiOptions): whole when the instances share one budget (SharedBudgetOptions, table
    // FrontBudget), else each instance's share of it.
    Front__RequestsPerMinute: string(frontRequestsPerMinute)
    Front__BurstPerSecond: string(frontBurstPerSecond)
    Front__SharedBudget__Enabled: frontSharedBudget ? 'true' : 'false'
    // While storage fails each instance paces at the company limit divided by every instance that may call Front:
    // maximumInstanceCount per scale group (Flex applies it per group; Front is called from four) plus the always-ready ones.
    Front__SharedBudget__MaximumInstanceCount: string(maximumInstanceCount)
    Front__SharedBudget__AlwaysReadyInstances: string(reduce(map(alwaysReady, a => a.instanceCount), 0, (sum, n) => sum + n))

    // Two-way channel: without a partner endpoint the delivery function is disabled and messages stay on front-outbound
    // for the partner's own consumer (the Linux form of AzureWebJobs.<name>.Disabled; the host reads both).
    Partner__OutboundUrl: partnerOutboundUrl
    Partner__SigningSecret: empty(partnerSigningSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${partnerSigningSecretUri})'
    AzureWebJobs_DeliverOutboundMessage_Disabled: empty(partnerOutboundUrl) ? 'true' : 'false'

    // Here, not by hand: this resource replaces all settings on every `azd provision`. Default 0 works around the .NET 10
    // isolated host exiting on Flex with placeholders on (azure-functions-dotnet-worker#3335).
    WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED: dotnetIsolatedPlaceholder ? '1' : '0'
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
