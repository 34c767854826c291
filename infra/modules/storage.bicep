// The one storage account: Functions host state (AzureWebJobsStorage), the Flex deployment package container, and the
// app's own queues, tables and payload container. Shared keys are off, so everything goes through Entra ID.
// The queue/table/container names must match FunctionApp/Storage/StorageNames.cs (Infra.Tests pins them).

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Replication of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Queues created up front (the ingest and outbound queues and their poison queues).')
param queueNames string[]

@description('Tables created up front.')
param tableNames string[]

@description('Blob containers the app uses, besides the deployment container.')
param containerNames string[]

@description('Container whose blobs the lifecycle rule deletes (the webhook payloads).')
param payloadContainerName string

@description('Days after which a payload blob is deleted by the lifecycle rule.')
@minValue(1)
param payloadRetentionDays int

@description('Private-network option: no public network access; the app reaches the account through private endpoints.')
param privateNetworkOnly bool

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // With the VNet option, as in the Flex quickstart: public access off, deny by default, only the private endpoints.
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: privateNetworkOnly
      ? {
          defaultAction: 'Deny'
          bypass: 'None'
        }
      : {
          defaultAction: 'Allow'
          bypass: 'AzureServices'
        }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource containers 'containers' = [
      for containerName in containerNames: {
        name: containerName
        properties: {
          publicAccess: 'None'
        }
      }
    ]
  }

  // Safety net: the app deletes a payload blob once its item is done; whatever is left (a crash in between, a bug) is
  // deleted here. Only the live prefixes of the payload container — ingest envelopes ('cha_…/') and outbound events
  // ('outbound/') — never 'failed/', where the app keeps a poisoned item's blob until an operator re-queues or discards it
  // (FunctionApp/Storage/FailedPayloads.cs), and never the deployment package.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'delete-ingest-payloads'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: [
                  'blockBlob'
                ]
                prefixMatch: [
                  '${payloadContainerName}/cha_'
                  '${payloadContainerName}/outbound/'
                ]
              }
              actions: {
                baseBlob: {
                  delete: {
                    daysAfterModificationGreaterThan: payloadRetentionDays
                  }
                }
              }
            }
          }
        ]
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
