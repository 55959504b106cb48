// The one identity the Function App uses for everything: storage (AzureWebJobsStorage and the
// deployment container), Key Vault references, Application Insights (Entra ID auth) and, when
// registered in Business Central's "Microsoft Entra Applications" page, the BC API itself.
// A user-assigned identity (not system-assigned) so its client id is known before the app exists
// and survives re-creating the app.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
