{{/*
Names, labels, and the values that several templates derive from the configuration.
*/}}

{{- define "snapshot-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The base name of every resource. Kubernetes names of some kinds are limited to 63 characters.
*/}}
{{- define "snapshot-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "snapshot-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "snapshot-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "snapshot-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "snapshot-operator.labels" -}}
helm.sh/chart: {{ include "snapshot-operator.chart" . }}
{{ include "snapshot-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: snapshot-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "snapshot-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "snapshot-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false: name an existing ServiceAccount." .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "snapshot-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The namespaces the operator watches, as a YAML list: watch.namespaces without duplicates, or
the release namespace when that list is empty. Empty when watch.allNamespaces is true.
*/}}
{{- define "snapshot-operator.watchedNamespaces" -}}
{{- if .Values.watch.allNamespaces }}
{{- if .Values.watch.namespaces }}
{{- fail "watch.allNamespaces is true and watch.namespaces is not empty: set only one of them." }}
{{- end }}
{{- list | toYaml }}
{{- else if .Values.watch.namespaces }}
{{- .Values.watch.namespaces | uniq | toYaml }}
{{- else }}
{{- list .Release.Namespace | toYaml }}
{{- end }}
{{- end }}

{{/*
Every Secret the configuration names, as a YAML mapping from namespace to sorted Secret names:
the Kafka Connect auth and CA Secrets and the signal credentials. A reference without a
namespace means the release namespace, which is where the operator looks for it
(SNAPSHOT_OPERATOR_NAMESPACE is the pod's namespace).
*/}}
{{- define "snapshot-operator.secretsByNamespace" -}}
{{- $refs := list }}
{{- range .Values.config.connect_clusters }}
{{- if .auth }}
{{- $refs = append $refs .auth.secret_ref }}
{{- end }}
{{- if .ca_secret_ref }}
{{- $refs = append $refs .ca_secret_ref }}
{{- end }}
{{- end }}
{{- range .Values.config.signal_credentials }}
{{- $refs = append $refs .secret_ref }}
{{- end }}
{{- $byNamespace := dict }}
{{- range $refs }}
{{- $namespace := .namespace | default $.Release.Namespace }}
{{- $names := get $byNamespace $namespace | default (list) }}
{{- $_ := set $byNamespace $namespace (append $names .name | uniq | sortAlpha) }}
{{- end }}
{{- $byNamespace | toYaml }}
{{- end }}

{{/*
Reject two Kafka Connect clusters with the same name, and a cluster URL that carries a user name
or password, with messages that say what to do; the schema could only show a pattern. The
operator would reject both at start-up instead.
*/}}
{{- define "snapshot-operator.checkConfig" -}}
{{- $seen := dict }}
{{- range .Values.config.connect_clusters }}
{{- if regexMatch "^https?://[^/?#]*@" .url }}
{{- fail (printf "config.connect_clusters: the url of cluster %q contains a user name or password. Remove them and reference a Secret in auth.secret_ref instead." .name) }}
{{- end }}
{{- if hasKey $seen .name }}
{{- fail (printf "config.connect_clusters: the cluster name %q is used more than once. Give each cluster its own name." .name) }}
{{- end }}
{{- $_ := set $seen .name true }}
{{- end }}
{{- end }}

{{/*
The rules the operator needs on BulkStopSnapshots and Events in a watched namespace, or in
every namespace with watch.allNamespaces. kopf 1.45 only creates core v1 Events (POST), it
never patches them. It patches the object for its own annotations and the status through the
status subresource; the operator never creates or deletes a BulkStopSnapshot.
*/}}
{{- define "snapshot-operator.watchRules" -}}
- apiGroups: ["cdc.snapshot-operator.dev"]
  resources: ["bulkstopsnapshots"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["cdc.snapshot-operator.dev"]
  resources: ["bulkstopsnapshots/status"]
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}
