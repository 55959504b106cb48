// Flex Consumption (FC1) plan and the Python 3.11 Function App.
//
// Concurrency is a deliberate setting here. Business Central processes at most 5 requests at a time
// per service principal (more are queued, then answered 429). On Flex Consumption every queue- or
// timer-triggered function scales on its own instances, and maximumInstanceCount caps EACH of those
// groups (and the HTTP group), not the app as a whole. So the worst case of simultaneous BC calls is
// roughly: maximumInstanceCount x (queue batchSize + newBatchThreshold from host.json) x number of
// BC-calling functions. Above 1 instance the app shares BC's limits through storage (BC_SHARED_BUDGET below,
// docs/scale-out.md), so BC never sees more than its limits; throughput then grows with BC principals.

@description('Function App name (also the host name: <name>.azurewebsites.net).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (must offer Flex Consumption: az functionapp list-flexconsumption-locations).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Primary blob endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Primary queue endpoint of the storage account.')
param queueEndpoint string

@description('Primary table endpoint of the storage account.')
param tableEndpoint string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('Application Insights connection string (not a secret: local auth is off, ingestion needs Entra ID).')
param appInsightsConnectionString string

@description('Key Vault name used in Key Vault references.')
param keyVaultName string

@description('Secret app settings: [{ settingName, secretName }], each becomes a Key Vault reference.')
param secretAppSettings array

@description('Non-secret app settings as { NAME: value }.')
param plainAppSettings object

@description('Path of the integration config TOML inside the deployed package (BRIDGE_CONFIG).')
param bridgeConfigPath string

@description('Entra tenant id of Business Central.')
param bcTenantId string

@description('App setting that receives bcTenantId ([bc] tenant_id_setting in the config).')
param bcTenantIdSetting string

@description('App setting that receives the managed identity client id (managed_identity_client_id_setting in the config, auth = "federated"). Empty = not set.')
param managedIdentityClientIdSetting string

@description('Upper bound of on-demand instances per scaling group (see the note at the top).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Instance memory size in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Spread instances over availability zones (region must support it for Flex Consumption; use ZRS storage).')
param zoneRedundant bool = false

@description('Concurrent HTTP invocations per instance (webhooks only store + enqueue, they never call BC).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Private networking: resource id of the subnet (delegated to Microsoft.App/environments) the app joins for outbound traffic. Empty = no VNet integration.')
param virtualNetworkSubnetId string = ''

@description('Sign-in for the status page and admin API: client id of the Entra app registration (app roles Reader and Operator). Empty = no sign-in; the admin API takes the master key only.')
param signInClientId string = ''

@description('Entra tenant of the people who sign in (the app registration\'s tenant).')
param signInTenantId string = ''

var signInEnabled = !empty(signInClientId)

var baseAppSettings = [
  // Identity-based connection for the host and for every binding with connection="AzureWebJobsStorage".
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: blobEndpoint
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: queueEndpoint
  }
  {
    name: 'AzureWebJobsStorage__tableServiceUri'
    value: tableEndpoint
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
  // azure-identity's DefaultAzureCredential / ManagedIdentityCredential pick this identity.
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'BRIDGE_CONFIG'
    value: bridgeConfigPath
  }
  {
    name: bcTenantIdSetting
    value: bcTenantId
  }
]

// The app honours X-MS-CLIENT-PRINCIPAL only when this says App Service Authentication runs in front of it:
// only then does the platform strip copies a client sends and set the header itself (core/ops_auth.py).
var signInSettings = signInEnabled ? [
  {
    name: 'BRIDGE_EASY_AUTH'
    value: '1'
  }
] : []

// More than one instance: BC's per-principal limits (5 at once, 6,000 per 5 minutes) are shared through the
// BcBudget table instead of counted per process, so N instances together stay inside them (docs/scale-out.md).
var sharedBudgetSettings = (maximumInstanceCount > 1) ? [
  {
    name: 'BC_SHARED_BUDGET'
    value: 'true'
  }
] : []

var identitySettings = empty(managedIdentityClientIdSetting) ? [] : [
  {
    name: managedIdentityClientIdSetting
    value: identityClientId
  }
]

var secretReferenceSettings = [for secret in secretAppSettings: {
  name: secret.settingName
  value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secret.secretName})'
}]

var plainSettings = [for setting in items(plainAppSettings): {
  name: setting.key
  value: string(setting.value)
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225:Zone redundancy is a parameter (zoneRedundant) because only some Flex Consumption regions offer it and it also needs ZRS storage; default off so the template deploys in every Flex region.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222:Shops deliver webhooks over the public internet; the endpoint must be public. Every webhook is verified by HMAC signature on the raw body and admin endpoints need a function key.
  // checkov:skip=CKV_AZURE_17:Shopify, WooCommerce, Stripe, etc. cannot present client certificates; webhook authenticity is proven by the signature header instead.
  // checkov:skip=CKV_AZURE_212:Flex Consumption scales to zero and the platform manages instances; a fixed minimum instance count does not exist on this plan (always-ready instances are a cost option, not needed for queue work).
  // checkov:skip=CKV_AZURE_78:Flex Consumption has no FTP endpoint and rejects siteConfig.ftpsState (ARM error 51021); SCM basic-auth publishing is switched off below.
  // checkov:skip=CKV_AZURE_18:Flex Consumption does not offer the http20Enabled site setting (hidden in the portal, not part of the Flex site config); TLS 1.2 minimum is enforced.
  // checkov:skip=CKV_AZURE_67:Same as CKV_AZURE_18: the HTTP version is platform-managed on Flex Consumption.
  // checkov:skip=CKV_AZURE_213:App Service health check swaps out instances of a fixed pool; on Flex Consumption the scale controller owns instances. Failures are watched by the alert rules in alerts.bicep instead.
  name: name
  location: location
  tags: tags
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
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    // Outbound only: storage, Key Vault and the internet (BC, shop APIs) through the VNet. Inbound stays public.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // Flex Consumption rejects several classic siteConfig properties (ARM error 51021, e.g. ftpsState,
    // linuxFxVersion, alwaysOn): runtime and scale live in functionAppConfig, and Flex has no FTP.
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat(baseAppSettings, signInSettings, sharedBudgetSettings, identitySettings, secretReferenceSettings, plainSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Deployments authenticate with Entra ID (az login), never with publishing user/password.
// (Flex Consumption offers no FTP endpoint, so there is no 'ftp' policy to turn off.)
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// App Service Authentication ("Easy Auth") with Microsoft Entra ID. No client secret: without one the platform
// signs people in with the OpenID Connect implicit flow (ID token only; enable "ID tokens" on the registration).
// Unauthenticated requests are let through (AllowAnonymous) because shops' webhooks, /api/health and the
// key-authenticated admin API must keep working; the ops functions themselves require a signed-in principal
// with the Reader or Operator app role, and send a browser without a session to /.auth/login/aad.
resource signIn 'Microsoft.Web/sites/config@2024-04-01' = if (signInEnabled) {
  // These seven checks read every Microsoft.Web/sites/config as the 'web' config (siteConfig properties); this one
  // is authsettingsV2, which has none of those properties. Each is covered where it applies:
  // checkov:skip=CKV_AZURE_13:Authentication IS what this resource turns on (authsettingsV2 platform.enabled); the check only knows the retired v1 'authsettings'.
  // checkov:skip=CKV_AZURE_63:HTTP logging is a 'web' config property, not authsettingsV2; requests are logged by Application Insights.
  // checkov:skip=CKV_AZURE_65:Detailed error pages are a 'web' config property, not authsettingsV2; failures go to Application Insights.
  // checkov:skip=CKV_AZURE_66:Failed-request tracing is a 'web' config property (an IIS log Flex Consumption does not offer), not authsettingsV2.
  // checkov:skip=CKV_AZURE_80:.NET Framework version is a 'web' config property; this app runs Python.
  // checkov:skip=CKV_AZURE_88:Azure Files mounts are a site setting, not authsettingsV2; state is in blob/table/queue storage.
  // checkov:skip=CKV_AZURE_222:Public network access is set on the site (see its skip: webhooks arrive over the internet), not in authsettingsV2.
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${signInTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            signInClientId
            'api://${signInClientId}'
          ]
        }
      }
    }
    login: {
      // The session cookie is enough for the page; the app never calls another API with the user's token.
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
