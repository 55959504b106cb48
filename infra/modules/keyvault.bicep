// Key Vault for every secret the bridge needs (shop webhook secrets and API tokens, the BC client
// secret). Only secret NAMES are known to the templates; an administrator puts the values in with
// `az keyvault secret set` after deployment (docs/deployment.md). The Function App reads them as
// Key Vault references resolved with its user-assigned identity.

@description('Key Vault name: 3-24 letters, digits and dashes, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Principal (object) id of the Function App identity: gets Key Vault Secrets User (read secret values only).')
param readerPrincipalId string

@description('Optional: object id of the administrator (user or group) who sets secret values. Gets Key Vault Secrets Officer. Empty = none.')
param secretsAdminPrincipalId string = ''

@description('Principal type of secretsAdminPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param secretsAdminPrincipalType string = 'User'

@description('Log Analytics workspace that receives the vault audit log.')
param logAnalyticsWorkspaceId string

@description('Private networking: public endpoint off and a deny-by-default firewall; Key Vault references resolve through the private endpoint (modules/network.bicep).')
param privateNetworking bool = false

@description('Days a deleted vault or secret stays recoverable (purge protection keeps it for this long).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionDays int = 90

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109:public endpoint (privateNetworking=false): Key Vault references of a Flex app without VNet integration come from platform addresses that are not trusted services, so a deny-by-default firewall breaks secret resolution. Access is RBAC only. privateNetworking=true closes it.
  // checkov:skip=CKV_AZURE_189:public endpoint (privateNetworking=false), as for CKV_AZURE_109, also for administrators running az keyvault secret set; every call needs an Entra ID token and an RBAC role. privateNetworking=true turns it off.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsAdminPrincipalId)) {
  name: guid(vault.id, secretsAdminPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: secretsAdminPrincipalId
    principalType: secretsAdminPrincipalType
  }
}

// Who read or changed which secret, kept in the same workspace as the app's logs.
resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
