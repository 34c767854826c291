// Private endpoints for the storage account (blob, queue, table) and Key Vault in the VNet's endpoint subnet, each with
// its privatelink DNS zone linked to the VNet, so the app resolves the usual host names to private addresses.
// Pattern of the Flex quickstart's storage-PrivateEndpoint.bicep, written with plain resources (no registry modules).

@description('Name of the virtual network (from network.bicep).')
param virtualNetworkName string

@description('Name of the subnet for private endpoints.')
param subnetName string

@description('Storage account the app uses.')
param storageAccountName string

@description('Key Vault holding the Front secrets.')
param keyVaultName string

@description('Azure region of the endpoints.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name prefix of the private endpoints.')
param namePrefix string

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' existing = {
  name: virtualNetworkName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {
  name: keyVaultName
}

// groupId = the sub-resource the endpoint reaches; zone = its privatelink DNS zone in this cloud.
var endpoints = [
  {
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    groupId: 'queue'
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    groupId: 'vault'
    // keyvaultDns is '.vault.azure.net' in the public cloud; its private zone is privatelink.vaultcore.azure.net.
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
  }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for endpoint in endpoints: {
    name: endpoint.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (endpoint, i) in endpoints: {
    parent: zones[i]
    name: '${virtualNetworkName}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [
  for (endpoint, i) in endpoints: {
    name: '${namePrefix}${endpoint.groupId}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, subnetName)
      }
      privateLinkServiceConnections: [
        {
          name: endpoint.groupId
          properties: {
            privateLinkServiceId: endpoint.groupId == 'vault' ? vault.id : storage.id
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [
  for (endpoint, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: endpoint.groupId
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]
