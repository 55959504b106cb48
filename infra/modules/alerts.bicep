// Action group (e-mail) and four log-search alert rules over the app's Application Insights data.
// All four read telemetry the app or the Functions host already writes; no extra code is needed:
//  - poison messages: the Functions host logs a warning "Message has reached MaxDequeueCount of N.
//    Moving message to queue '<queue>-poison'." whenever it gives up on a message, and the bridge's
//    poison handler logs "sync_status=failed poisoned queue=<queue>-poison". (A storage metric cannot
//    do this: QueueMessageCount is one number for the whole account, refreshed hourly.)
//  - needs attention: the bridge logs "sync_status=needs_attention" for every record a person must fix.
//  - function failures: every failed invocation is a row in `requests` with success == false.
//  - BC throttling: the bridge logs "bc_throttled" every time Business Central answers 429/503.
// Note: host.json sampling must not drop traces (exclude "Trace" from sampling) or counts are low.

@description('Prefix for alert rule names.')
param namePrefix string

@description('Azure region of the alert rules (same as Application Insights).')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Resource id of the Application Insights component the queries run against.')
param appInsightsId string

@description('E-mail address that receives alerts.')
param alertEmail string

@description('Alert when more than this many needs-attention records are logged within one hour.')
@minValue(0)
param needsAttentionThreshold int = 5

@description('Alert when more than this many function invocations fail within 15 minutes.')
@minValue(0)
param functionFailureThreshold int = 3

@description('Alert when Business Central throttles more than this many requests within 15 minutes.')
@minValue(0)
param bcThrottledThreshold int = 20

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'bcbridge'
    enabled: true
    emailReceivers: [
      {
        name: 'operations'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Two lines mark a poisoned message: the host's warning when it moves the message, and the bridge's
// "sync_status=failed poisoned queue=<queue>-poison" when its poison handler records it in SyncLog.
var poisonQuery = '''
traces
| where (message has "MaxDequeueCount" and message contains "-poison")
    or message contains "sync_status=failed poisoned"
| extend queueName = extract(@"queue(?:=| ')([A-Za-z0-9-]+-poison)", 1, message)
'''

var needsAttentionQuery = '''
traces
| where message contains "sync_status=needs_attention"
'''

var functionFailureQuery = '''
requests
| where success == false
| project timestamp, functionName = operation_Name, resultCode
'''

var bcThrottledQuery = '''
traces
| where message contains "bc_throttled"
'''

var rules = [
  {
    key: 'poison-messages'
    displayName: 'BC bridge: message moved to a poison queue'
    description: 'A queue message failed maxDequeueCount times and was moved to <queue>-poison; the bridge records it in SyncLog as failed. Nothing was written to BC for it. Find it with the operator CLI, fix the cause, then replay it.'
    severity: 1
    query: poisonQuery
    dimension: 'queueName'
    threshold: 0
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    key: 'needs-attention'
    displayName: 'BC bridge: needs-attention records piling up'
    description: 'Records ended as needs_attention (a mapping, master data or total needs a person). SyncLog holds each record with its Resolution text.'
    severity: 2
    query: needsAttentionQuery
    dimension: ''
    threshold: needsAttentionThreshold
    windowSize: 'PT1H'
    evaluationFrequency: 'PT15M'
  }
  {
    key: 'function-failures'
    displayName: 'BC bridge: function invocations failing'
    description: 'Function invocations ended with an unhandled error. Queue messages are retried and end in a poison queue if the error persists; webhooks answered 5xx are re-sent by the shop.'
    severity: 2
    query: functionFailureQuery
    dimension: 'functionName'
    threshold: functionFailureThreshold
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    key: 'bc-throttled'
    displayName: 'BC bridge: Business Central is throttling'
    description: 'Business Central answered 429/503 often. The bridge backs off and retries, but sustained throttling delays every flow: add service principals to the BC credential pool, check that BC_SHARED_BUDGET is on when maximumInstanceCount > 1, or lower the queue batch sizes.'
    severity: 3
    query: bcThrottledQuery
    dimension: ''
    threshold: bcThrottledThreshold
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: '${namePrefix}-${rule.key}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: rule.evaluationFrequency
    windowSize: rule.windowSize
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: rule.threshold
          dimensions: empty(rule.dimension) ? [] : [
            {
              name: rule.dimension
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

output actionGroupId string = actionGroup.id
output alertRuleNames array = [for rule in rules: '${namePrefix}-${rule.key}']
