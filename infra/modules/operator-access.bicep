// Data roles for the people who run the app (the deploying user by default, or a group), on the one storage account.
// Shared keys are off and Owner/Contributor are not data roles, so without these an operator cannot look at the poison
// queue, re-queue with tools/RequeuePoison, read the FrontDeliveryFailures table or open a payload blob.
// Same idea as the Flex quickstart's allowUserIdentityPrincipal + deployer().objectId (functions-quickstart-dotnet-azd).

@description('Storage account the app uses.')
param storageAccountName string

@description('Object id of the operator (user, group or service principal).')
@minLength(1)
param principalId string

@description('Kind of principal; empty lets Azure look it up (needed when a service principal deploys, e.g. from CI).')
@allowed([
  ''
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

// Built-in role ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = [
  {
    // Storage Queue Data Contributor: peek the poison queue, re-queue with tools/RequeuePoison (send + delete).
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    // Storage Table Data Reader: read FrontDeliveryFailures and the id map; no writes to the map by hand.
    id: '76199698-9eea-4c19-bc75-cec21354c6b6'
  }
  {
    // Storage Blob Data Reader: read a payload blob in front-ingest-payloads while investigating.
    id: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  }
]

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in roles: {
    name: guid(storage.id, principalId, role.id)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: principalId
      principalType: empty(principalType) ? null : principalType
    }
  }
]
