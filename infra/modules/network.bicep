// The private-network option (vnetEnabled): a VNet with two subnets, as in the Flex quickstart's VNET_ENABLED option
// (functions-quickstart-dotnet-azd infra/app/vnet.bicep): one for the private endpoints of storage and Key Vault, one
// delegated to Microsoft.App/environments for the function app's outbound integration (the delegation Flex Consumption
// requires). Flex routes all outbound traffic through that subnet, so it gets a NAT gateway: Front's API and the
// Application Insights ingestion stay reachable (new subnets have no default outbound internet access) from one fixed IP.

@description('Name of the virtual network.')
param name string

@description('Name of the NAT gateway (and, with a pip- prefix, of its public IP).')
param natGatewayName string

@description('Name of the NAT gateway\'s public IP address.')
param publicIpName string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the subnet holding the private endpoints.')
param privateEndpointSubnetName string

@description('Name of the subnet the function app integrates with.')
param appSubnetName string

resource publicIp 'Microsoft.Network/publicIPAddresses@2025-05-01' = {
  name: publicIpName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2025-05-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: publicIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    subnets: [
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: '10.0.1.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: appSubnetName
        properties: {
          addressPrefix: '10.0.2.0/24'
          natGateway: {
            id: natGateway.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, appSubnetName)
output outboundIp string = publicIp.properties.ipAddress
