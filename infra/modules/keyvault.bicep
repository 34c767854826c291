// Key Vault holding the Front App secret(s). RBAC only (no access policies): the app's identity gets
// Key Vault Secrets User in rbac.bicep and reads the secrets through Key Vault references in its app settings.

@description('Name of the Key Vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Purge protection: once on it cannot be turned off, and the vault name stays taken until the retention ends.')
param enablePurgeProtection bool

@description('The App secret from Front\'s developer settings.')
@secure()
param frontAppSecret string

@description('The App secret before a rotation; empty when no rotation is in progress.')
@secure()
param frontPreviousAppSecret string

@description('The Standard Webhooks secret of partner deliveries; empty when there is no partner endpoint.')
@secure()
param partnerSigningSecret string = ''

@description('Private-network option: no public network access; the app resolves its references through the private endpoint. The secrets are still written by this deployment (Azure Resource Manager, not the data plane).')
param privateNetworkOnly bool

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Key Vault accepts only true or null here: false is rejected, and true cannot be undone.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworkOnly ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource appSecret 'secrets' = {
    name: 'front-app-secret'
    properties: {
      value: frontAppSecret
      contentType: 'Front App secret (webhook signatures, channel tokens)'
    }
  }

  resource previousAppSecret 'secrets' = if (!empty(frontPreviousAppSecret)) {
    name: 'front-previous-app-secret'
    properties: {
      value: frontPreviousAppSecret
      contentType: 'Front App secret before a rotation'
    }
  }

  resource partnerSecret 'secrets' = if (!empty(partnerSigningSecret)) {
    name: 'partner-signing-secret'
    properties: {
      value: partnerSigningSecret
      contentType: 'Standard Webhooks secret of deliveries to the partner'
    }
  }
}

output name string = vault.name

// Versioned URIs on purpose: a new secret value makes a new version, so the app setting changes and the app
// reloads it at the next deployment instead of whenever App Service next refreshes a versionless reference (up to 24 h).
output appSecretUri string = vault::appSecret.properties.secretUriWithVersion
output previousAppSecretUri string = vault::previousAppSecret.?properties.secretUriWithVersion ?? ''
output partnerSigningSecretUri string = vault::partnerSecret.?properties.secretUriWithVersion ?? ''
