// Private networking (main.bicep: privateNetworking = true). Deployed only when that option is on.
//
//  - a virtual network with two subnets: "app", delegated to Microsoft.App/environments, which the Flex
//    Consumption app joins for its outbound traffic (VNet integration); "private-endpoints" for the endpoints below
//  - private endpoints for the storage account (blob, queue, table: the services the host and the bridge use; Flex
//    Consumption keeps no Azure Files share) and for Key Vault, each registered in its private DNS zone, the zones
//    linked to the virtual network, so <account>.blob.core.windows.net resolves to the private address inside it
//  - a NAT gateway with one static public IP for the app subnet: the bridge still calls Business Central and the
//    shops' APIs on the internet, and the subnet has no other way out. Shops that allow-list callers can use that IP.
//
// Storage and Key Vault switch their public endpoint off themselves (their privateNetworking parameter).

@description('Virtual network name; the other resources here are named after it.')
param vnetName string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Address space of the virtual network. Must not overlap networks you peer or connect it to.')
param addressPrefix string

@description('Subnet the Function App joins (delegated to Microsoft.App/environments).')
param appSubnetPrefix string

@description('Subnet that holds the private endpoints.')
param privateEndpointSubnetPrefix string

@description('Resource id of the storage account.')
param storageAccountId string

@description('Resource id of the Key Vault.')
param keyVaultId string

// One private endpoint per service, each with its private DNS zone (names per cloud from environment()).
var endpoints = [
  {
    name: 'blob'
    target: storageAccountId
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: 'queue'
    target: storageAccountId
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    name: 'table'
    target: storageAccountId
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    name: 'vault'
    target: keyVaultId
    // keyvaultDns is '.vault.azure.net' in the public cloud; its private zone is privatelink.vaultcore.azure.net
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
  }
]

// Only the platform's default rules (inside the VNet allowed, inbound from the internet denied).
resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: '${vnetName}-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource outboundIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: '${vnetName}-egress-ip'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = {
  name: '${vnetName}-nat'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: outboundIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          networkSecurityGroup: {
            id: nsg.id
          }
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
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: {
            id: nsg.id
          }
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

resource appSubnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  parent: vnet
  name: 'app'
}

resource endpointSubnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  parent: vnet
  name: 'private-endpoints'
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: vnetName
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [for endpoint in endpoints: {
  name: '${vnetName}-pe-${endpoint.name}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: endpointSubnet.id
    }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.target
          groupIds: [
            endpoint.name
          ]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.name
        properties: {
          privateDnsZoneId: zones[i].id
        }
      }
    ]
  }
}]

output appSubnetId string = appSubnet.id
output outboundIpAddress string = outboundIp.properties.ipAddress
