# The one image every Sluice component runs; the Helm chart (helm/sluice) picks each container's command.
#   docker build -t ghcr.io/sluice-dev/sluice:0.1.0 .
# Stage 1 builds the project's wheel: the engine's kernels (services/processor/engine/_kernels.pyx) are compiled,
# which needs a C compiler that the run-time image does not carry.
FROM python:3.11-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY sluice ./sluice
COPY services ./services
COPY operator ./operator
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Pinned runtime dependencies first: their layer is reused until requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --from=wheel /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels

# The chart runs it as this user, with a read-only root file system and /tmp on an emptyDir.
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin sluice
USER 10001:10001
CMD ["python", "-m", "services.status"]
