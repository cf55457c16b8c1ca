# syntax=docker/dockerfile:1
# sourcewatch in a container: the image that examples/kubernetes/ runs.
#
#   docker build -t sourcewatch:0.1.0 .
#   docker run --rm -v "$PWD:/srv/sourcewatch" sourcewatch:0.1.0 check
#
# The registry folder (sources.toml, with the store snapshots/ beside it) is mounted at
# /srv/sourcewatch, the working directory, so the default --config ./sources.toml finds it. The
# container runs as uid/gid 10001: the mounted folder must be writable by it.
#
# For sources with render = "browser", build with --build-arg CHROMIUM=1 (Debian's chromium,
# a few hundred MB more; sourcewatch finds it on PATH). Chromium's own sandbox needs user
# namespaces, which container runtimes often refuse to a non-root user: if those sources end as
# render_error, point `[settings] browser` or SOURCEWATCH_BROWSER at a script that runs
# `chromium --no-sandbox "$@"` (the container is then the sandbox).

# Build stage. The compiler is the crate's rust-version (Cargo.toml); a newer one works too.
# --locked builds exactly the dependency versions in Cargo.lock.
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
# Only what the binary is built from (.dockerignore keeps the rest out of the context):
# src/ embeds sources.toml and examples/demo/sources.toml.
COPY Cargo.toml Cargo.lock sources.toml ./
COPY examples/demo/sources.toml examples/demo/sources.toml
COPY src src
# The cache mounts keep the crate downloads and the build between image builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/sourcewatch /usr/local/bin/sourcewatch

# Runtime stage: the same Debian release as the builder, so the binary finds its glibc.
FROM debian:bookworm-slim
ARG CHROMIUM=0
# ca-certificates: HTTPS sources are verified against the system's roots. Versions are not
# pinned on purpose: an image rebuilt later should get Debian's security updates.
# hadolint ignore=DL3008,SC2086
RUN set -eu; \
    packages="ca-certificates"; \
    if [ "$CHROMIUM" = 1 ]; then packages="$packages chromium"; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 sourcewatch; \
    useradd --system --uid 10001 --gid 10001 --home-dir /srv/sourcewatch --no-create-home \
        --shell /usr/sbin/nologin sourcewatch; \
    mkdir -p /srv/sourcewatch; \
    chown 10001:10001 /srv/sourcewatch
COPY --from=build /usr/local/bin/sourcewatch /usr/local/bin/sourcewatch
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
WORKDIR /srv/sourcewatch
ENTRYPOINT ["sourcewatch"]
CMD ["check"]
