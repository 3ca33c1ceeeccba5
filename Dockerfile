# The snapshot-operator image.
#
# The builder stage turns the project and every dependency into wheels, with the versions pinned
# in constraints.txt. The final stage installs those wheels from a local folder only (no index),
# so the image holds no compiler, no pip cache and no source tree. The operator runs as user
# 10001. The Helm chart runs it with a read-only root filesystem and an emptyDir at /tmp.
#
#   docker build -t REGISTRY/snapshot-operator:0.1.0 .   (needs BuildKit for RUN --mount)
#
# NOTE: pin the base image by digest (python:3.11-slim-bookworm@sha256:…) for reproducible builds.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The build tools the wheel is made with, pinned like everything else.
RUN python -m pip install pip==25.3 setuptools==84.2.1 wheel==0.48.0
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY operator ./operator
RUN pip wheel --no-build-isolation --constraint constraints.txt --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels snapshot-operator \
 && groupadd --system --gid 10001 operator \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin operator
# Set after the install, so pip still compiles the .pyc files into the image.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
ENTRYPOINT ["snapshot-operator"]
CMD ["--help"]
