{{/* Names, labels and the pieces every workload shares. */}}

{{- define "sluice.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sluice.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sluice
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "ingest") */}}
{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "sluice.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "sluice.secretName" -}}
{{- required "existingSecret is required: a Secret with SLUICE_DATABASE_URL, SLUICE_REDIS_URL, SLUICE_S3_ACCESS_KEY and SLUICE_S3_SECRET_KEY" .Values.existingSecret }}
{{- end }}

{{/* The environment every Sluice container gets: shared config, the Secret, then the component's own env. */}}
{{- define "sluice.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "sluice.fullname" .ctx }}-config
  - secretRef:
      name: {{ include "sluice.secretName" .ctx }}
{{- with .env }}
env:
  {{- range $name, $value := . }}
  - name: {{ $name }}
    value: {{ $value | toString | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{/* gRPC health probes (native since Kubernetes 1.24); a TCP check on older clusters. */}}
{{- define "sluice.grpcProbes" -}}
{{- $native := semverCompare ">=1.24-0" .ctx.Capabilities.KubeVersion.Version }}
readinessProbe:
  {{- if $native }}
  grpc: {port: {{ .port }}}
  {{- else }}
  tcpSocket: {port: {{ .port }}}
  {{- end }}
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  {{- if $native }}
  grpc: {port: {{ .port }}}
  {{- else }}
  tcpSocket: {port: {{ .port }}}
  {{- end }}
  initialDelaySeconds: 10
  periodSeconds: 10
  failureThreshold: 6
{{- end }}

{{- define "sluice.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if .Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{- define "sluice.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
