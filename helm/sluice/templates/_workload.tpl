{{/*
A Sluice Deployment: (dict "ctx" $ "component" "ingest" "spec" .Values.ingest "args" (list ...) "port" 50051
"replicas" true). Every component is the same image with its own command; "port" is its gRPC port (health).
*/}}
{{- define "sluice.deployment" -}}
{{- $ctx := .ctx }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "sluice.fullname" $ctx }}-{{ .component }}
  labels:
    {{- include "sluice.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if .replicas }}
  replicas: {{ .spec.replicas }}
  {{- end }}
  selector:
    matchLabels: {{- include "sluice.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sluice.labels" $ctx | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations: {{- include "sluice.podAnnotations" $ctx | nindent 8 }}
    spec:
      {{- with .serviceAccount }}
      serviceAccountName: {{ . }}
      {{- else }}
      automountServiceAccountToken: false
      {{- end }}
      {{- with .spec.terminationGracePeriodSeconds }}
      terminationGracePeriodSeconds: {{ . }}
      {{- end }}
      securityContext: {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      {{- with (include "sluice.scheduling" $ctx) }}{{ . | nindent 6 }}{{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "sluice.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          args: {{- toYaml .args | nindent 12 }}
          {{- include "sluice.env" (dict "ctx" $ctx "env" .spec.env) | nindent 10 }}
          ports:
            {{- if .port }}
            - {name: grpc, containerPort: {{ .port }}, protocol: TCP}
            {{- end }}
            - {name: metrics, containerPort: {{ $ctx.Values.metrics.port }}, protocol: TCP}
          {{- if .port }}
          {{- include "sluice.grpcProbes" (dict "ctx" $ctx "port" .port) | nindent 10 }}
          {{- end }}
          resources: {{- toYaml .spec.resources | nindent 12 }}
          securityContext: {{- toYaml $ctx.Values.securityContext | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: tmp, emptyDir: {}}
{{- end }}

{{/* A Service for a gRPC component: headless, so gRPC clients and the gateway balance over every pod
(one HTTP/2 connection through a ClusterIP would pin all calls to one pod). */}}
{{- define "sluice.grpcService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "sluice.fullname" .ctx }}-{{ .component }}
  labels:
    {{- include "sluice.labels" .ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  clusterIP: None
  selector: {{- include "sluice.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
  ports:
    - {name: grpc, port: {{ .port }}, targetPort: grpc, protocol: TCP, appProtocol: grpc}
{{- end }}
