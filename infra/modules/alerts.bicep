// Alert rules that the README's "When it fails" section relies on, all sending to one action group (e-mail a parameter).
// Log alerts on the workspace-based Application Insights data, because the storage metrics cannot answer these questions:
// QueueMessageCount has no queue-name dimension (the poison queue cannot be told apart) and is hourly, and no metric gives
// a message's age. Function names are those of FunctionApp/Functions (Infra.Tests checks they exist).

@description('Name of the Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Name prefix of the action group and the alert rules.')
param namePrefix string

@description('Azure region of the alert rules.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('E-mail address the alerts go to; empty sends them to the members of the subscription\'s Owner role instead (armRoleReceivers), so the action group is never without a receiver.')
param alertEmailAddress string

@description('Base URL of Front\'s API: the 429 alert counts dependency calls to it.')
param frontApiBaseUrl string

@description('True when the app delivers front-outbound to the partner (partnerOutboundUrl set): only then is an old message on front-outbound a backlog (otherwise the partner consumes the queue itself).')
param partnerDeliveryEnabled bool = false

@description('Age in seconds of the oldest visible message of a work queue above which the queue-oldest-message-age alert fires.')
@minValue(60)
param oldestMessageAgeSeconds int = 900

// The app's own metrics (FunctionApp/Telemetry/FrontMetrics, exported with OpenTelemetry to Azure Monitor) land in
// customMetrics: name = the instrument's name, tags in customDimensions. Every instance samples the same queues, so the
// age is the max over instances, never a sum.
var ageQueues = partnerDeliveryEnabled ? '"front-ingest", "front-import-checks", "front-outbound"' : '"front-ingest", "front-import-checks"'

// Built-in role Owner (Learn, "Azure built-in roles", Privileged: Owner).
var ownerRoleId = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-ops'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'front-ops'
    enabled: true
    emailReceivers: empty(alertEmailAddress)
      ? []
      : [
          {
            name: 'operators'
            emailAddress: alertEmailAddress
            useCommonAlertSchema: true
          }
        ]
    // Without an address, the subscription's Owners get the mail: an Azure Resource Manager role receiver e-mails the
    // users holding that role on the subscription (Learn, "Action groups", Azure Resource Manager role). Owner's built-in id.
    armRoleReceivers: empty(alertEmailAddress)
      ? [
          {
            name: 'subscription-owners'
            roleId: ownerRoleId
            useCommonAlertSchema: true
          }
        ]
      : []
  }
}

var rules = [
  {
    name: 'poison-messages'
    description: 'A message went to front-ingest-poison (permanent failure recorded in FrontDeliveryFailures, or 5 failed attempts). Look it up before re-queueing (infra/README.md, "When it fails").'
    severity: 2
    frequency: 'PT5M'
    window: 'PT5M'
    // The app logs a permanent failure (event ids 2002, 2003, 2006) and the host logs the move to the poison queue.
    query: 'union traces, exceptions | where message has "poison queue" or message has "front-ingest-poison" or outerMessage has "front-ingest-poison" | summarize poisoned = count() | where poisoned > 0'
  }
  {
    name: 'ingest-backlog'
    description: 'Webhooks were queued 15 to 30 minutes ago but EnrichImportedMessage ran not once in the last 15 minutes: the oldest ingest message is older than 15 minutes (the queue is not drained).'
    severity: 2
    frequency: 'PT15M'
    window: 'PT30M'
    query: 'let queued = toscalar(requests | where timestamp between (ago(30m) .. ago(15m)) and name == "FrontChannelWebhook" and toint(resultCode) between (200 .. 299) | count); let processed = toscalar(requests | where timestamp > ago(15m) and name == "EnrichImportedMessage" | count); print queued = queued, processed = processed | where queued > 0 and processed == 0'
  }
  {
    name: 'webhook-5xx'
    description: 'More than 5% of Front webhook calls answered 5xx over 15 minutes (at least 5 calls): Front retries, then disables the channel.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'requests | where name in ("FrontAppWebhook", "FrontChannelWebhook") | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total >= 5 and failed * 100.0 / total > 5'
  }
  {
    name: 'front-429'
    description: 'More than 10% of calls to Front\'s API answered 429 over 15 minutes (at least 10 calls): the instances together exceed the company\'s rate limit (infra/README.md, "Sizing against Front\'s rate limit").'
    severity: 3
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'dependencies | where data startswith "${frontApiBaseUrl}" | summarize total = count(), throttled = countif(resultCode == "429") | where total >= 10 and throttled * 100.0 / total > 10'
  }
  {
    name: 'poison-items'
    description: 'The app recorded an item as failed for good (metric front.poison.items, by queue and reason: unreadable, permanent, retries_exhausted); the item is on the queue\'s -poison queue, its reason in FrontDeliveryFailures (infra/README.md, "When it fails").'
    severity: 2
    frequency: 'PT5M'
    window: 'PT5M'
    query: 'customMetrics | where name == "front.poison.items" | extend queue = tostring(customDimensions["queue"]), reason = tostring(customDimensions["reason"]) | summarize items = sum(value) by queue, reason | where items > 0'
  }
  {
    name: 'queue-oldest-message-age'
    description: 'The oldest visible message of a work queue (${ageQueues}) is more than ${oldestMessageAgeSeconds} s old (gauge front.queue.oldest_message_age, sampled by each instance every Metrics__QueueSampleInterval): the queue is not being drained.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "front.queue.oldest_message_age" | extend queue = tostring(customDimensions["queue"]) | where queue in (${ageQueues}) | summarize oldest = max(valueMax) by queue | where oldest > ${oldestMessageAgeSeconds}'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${namePrefix} ${rule.name}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        applicationInsights.id
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output actionGroupName string = actionGroup.name
