// BC Commerce Bridge: everything the Function App needs in one resource group.
//
//   az deployment group what-if|create -g <rg> -f infra/main.bicep -p @infra/main.parameters.json
//   (scripts/deploy.sh wraps both and then deploys the code; docs/deployment.md walks through it)
//
// Secrets never pass through this template: it only knows secret NAMES (secretAppSettings) and turns
// each into a Key Vault reference. Values go into Key Vault with `az keyvault secret set`.

targetScope = 'resourceGroup'

@description('Short lowercase name used to derive every resource name (letters and digits, 3-11).')
@minLength(3)
@maxLength(11)
param baseName string = 'bcbridge'

@description('Sign-in for the status page and admin API (docs/deployment.md): client id of the Entra app registration with the app roles Reader and Operator. Empty = no sign-in; the admin API takes the master key only.')
param signInClientId string = ''

@description('Entra tenant of the people who sign in to the status page.')
param signInTenantId string = subscription().tenantId

@description('Azure region. Must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('E-mail address that receives the alerts.')
param alertEmail string

@description('Secret app settings: one { settingName, secretName } per secret. settingName is what the integration config names (e.g. webhook_secret_setting = "SHOPIFY_DEMO_WEBHOOK_SECRET"); secretName is the Key Vault secret (letters, digits, dashes) that holds the value.')
param secretAppSettings array = []

@description('Non-secret app settings, { NAME: value } (e.g. BC_TENANT_ID). Never put secrets here.')
param plainAppSettings object = {}

@description('Path of the integration config TOML inside the deployed package.')
param bridgeConfigPath string = 'config/bridge.toml'

@description('Entra tenant id of Business Central. Default: the tenant of this subscription.')
param bcTenantId string = subscription().tenantId

@description('App setting that receives bcTenantId: the [bc] tenant_id_setting of the integration config.')
param bcTenantIdSetting string = 'BC_TENANT_ID'

@description('App setting that receives the managed identity client id: managed_identity_client_id_setting of a [[bc.credentials]] entry with auth = "federated". Empty = do not set.')
param managedIdentityClientIdSetting string = 'BC_MI_CLIENT_ID'

@description('Max on-demand instances per Flex scaling group. Above 1, the app shares BC\'s per-principal limits between instances through storage (BC_SHARED_BUDGET, docs/scale-out.md); see docs/deployment.md before raising.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 1

@description('Instance memory (MB) of the Flex Consumption instances.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Concurrent webhook (HTTP) invocations per instance.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Spread the Flex Consumption plan over availability zones (only where the region supports it; keep ZRS/GZRS storage).')
param zoneRedundant bool = false

@description('Storage replication.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_ZRS'

@description('Optional: object id of the administrator (or group) allowed to set secret values in Key Vault.')
param secretsAdminPrincipalId string = ''

@description('Principal type of secretsAdminPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param secretsAdminPrincipalType string = 'User'

@description('Days logs are kept in Log Analytics.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Alert when more than this many needs-attention records are logged within one hour.')
@minValue(0)
param needsAttentionThreshold int = 5

@description('Alert when more than this many function invocations fail within 15 minutes.')
@minValue(0)
param functionFailureThreshold int = 3

@description('Alert when BC throttles more than this many requests within 15 minutes.')
@minValue(0)
param bcThrottledThreshold int = 20

@description('Private networking: VNet integration for the Function App, private endpoints for storage and Key Vault, and their public endpoints closed (deny-by-default firewalls). Webhooks stay public. Default off; read docs/deployment.md first.')
param privateNetworking bool = false

@description('privateNetworking only: address space of the virtual network. Must not overlap networks you connect it to.')
param vnetAddressPrefix string = '10.20.0.0/16'

@description('privateNetworking only: subnet the Function App joins (delegated to Microsoft.App/environments).')
param appSubnetPrefix string = '10.20.0.0/24'

@description('privateNetworking only: subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.20.1.0/24'

@description('Tags applied to every resource.')
param tags object = {
  application: 'bc-commerce-bridge'
}

// Storage names the app uses: keep in sync with core/state/names.py (tests/infra cross-checks).
var queueNames = [
  'orders-import'
  'orders-import-poison'
  'refunds-import'
  'refunds-import-poison'
  'payouts-import'
  'payouts-import-poison'
  'stock-export'
  'stock-export-poison'
  'customers-import'
  'customers-import-poison'
]
var tableNames = [
  'Bindings'
  'SyncLog'
  'Cursors'
  'Deliveries'
  'BcBudget'
  'History'
]
var containerNames = [
  'inbox'
  'snapshots'
]
var deploymentContainerName = 'app-package'

var suffix = uniqueString(subscription().id, resourceGroup().id, baseName)
var names = {
  identity: '${baseName}-id-${suffix}'
  storage: take('st${baseName}${suffix}', 24)
  keyVault: take('kv-${baseName}-${suffix}', 24)
  workspace: '${baseName}-logs-${suffix}'
  appInsights: '${baseName}-appi-${suffix}'
  plan: '${baseName}-plan-${suffix}'
  functionApp: '${baseName}-func-${suffix}'
  vnet: '${baseName}-vnet-${suffix}'
}
// Known before the network module runs, so the Function App can name it (dependsOn below orders the two).
var appSubnetId = privateNetworking ? resourceId('Microsoft.Network/virtualNetworks/subnets', names.vnet, 'app') : ''

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSku
    queueNames: queueNames
    tableNames: tableNames
    containerNames: containerNames
    deploymentContainerName: deploymentContainerName
    principalId: identity.outputs.principalId
    privateNetworking: privateNetworking
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    readerPrincipalId: identity.outputs.principalId
    secretsAdminPrincipalId: secretsAdminPrincipalId
    secretsAdminPrincipalType: secretsAdminPrincipalType
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    privateNetworking: privateNetworking
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    vnetName: names.vnet
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    secretAppSettings: secretAppSettings
    plainAppSettings: plainAppSettings
    bridgeConfigPath: bridgeConfigPath
    bcTenantId: bcTenantId
    bcTenantIdSetting: bcTenantIdSetting
    managedIdentityClientIdSetting: managedIdentityClientIdSetting
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    zoneRedundant: zoneRedundant
    virtualNetworkSubnetId: appSubnetId
    signInClientId: signInClientId
    signInTenantId: signInTenantId
  }
  // the subnet, the private endpoints and their DNS records exist before the app starts (privateNetworking only)
  dependsOn: [
    network
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: baseName
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    needsAttentionThreshold: needsAttentionThreshold
    functionFailureThreshold: functionFailureThreshold
    bcThrottledThreshold: bcThrottledThreshold
  }
}

@description('Name of the Function App (for az functionapp commands and the code deployment).')
output functionAppName string = functionApp.outputs.name

@description('Base URL for shop webhooks: append the shop key from the integration config, e.g. <base>shopify-demo. Signature-verified; no function key.')
output webhookBaseUrl string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/'

@description('Status page. With signInClientId: sign in with an Entra account holding the Reader or Operator role. Without: add ?code=<master key> (docs/deployment.md).')
output statusPageUrl string = 'https://${functionApp.outputs.defaultHostName}/api/${empty(signInClientId) ? 'ops' : 'cockpit'}/page'

@description('Key Vault that holds the secret values (az keyvault secret set --vault-name ...).')
output keyVaultName string = keyVault.outputs.name

@description('Client id of the managed identity. Federated BC auth: set as BC_MI_CLIENT_ID automatically; register it in BC "Microsoft Entra Applications" only when the identity itself holds the BC API role (docs/deployment.md).')
output managedIdentityClientId string = identity.outputs.clientId

@description('Object (principal) id of the managed identity: the subject of the federated credential on the BC app registration.')
output managedIdentityPrincipalId string = identity.outputs.principalId

@description('Storage account holding queues, tables and the raw payload inbox.')
output storageAccountName string = storage.outputs.name

@description('privateNetworking only: the static public IP the app calls Business Central and the shops from (for allow-lists). Empty otherwise.')
output outboundIpAddress string = privateNetworking ? network!.outputs.outboundIpAddress : ''

@description('Application Insights component (logs, failures, alert queries).')
output applicationInsightsName string = monitoring.outputs.appInsightsName
