{{/* The non-secret environment every component shares; the provision hook gets it inline (it runs before the
ConfigMap exists). */}}
{{- define "sluice.configData" -}}
SLUICE_KAFKA_BOOTSTRAP: {{ .Values.config.kafkaBootstrap | quote }}
SLUICE_S3_ENDPOINT: {{ .Values.config.s3Endpoint | quote }}
SLUICE_S3_PUBLIC_ENDPOINT: {{ .Values.config.s3PublicEndpoint | quote }}
SLUICE_S3_REGION: {{ .Values.config.s3Region | quote }}
SLUICE_BUCKET: {{ .Values.config.bucket | quote }}
SLUICE_JOBS_TOPIC: {{ .Values.config.jobsTopic | quote }}
SLUICE_DLQ_TOPIC: {{ .Values.config.dlqTopic | quote }}
SLUICE_CONSUMER_GROUP: {{ .Values.config.consumerGroup | quote }}
SLUICE_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
SLUICE_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
SLUICE_GRPC_HOST: "0.0.0.0"
SLUICE_METRICS_HOST: "0.0.0.0"
SLUICE_METRICS_PORT: {{ .Values.metrics.port | quote }}
SLUICE_INGEST_PORT: {{ .Values.ingest.port | quote }}
SLUICE_STATUS_PORT: {{ .Values.status.port | quote }}
SLUICE_PROCESSOR_ADMIN_PORT: {{ .Values.processor.adminPort | quote }}
{{- with .Values.config.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- end }}
