/*
 * Test fixture: a private Docker Engine (dockerd) and, on request, a
 * private registry (docker-registry with htpasswd auth), everything under
 * one temporary directory and stopped by PID.
 *
 * dockerd runs as root with --iptables=false --bridge=none
 * --storage-driver=vfs, its socket, data, exec root and pid file in the
 * temporary directory, and its own managed containerd.
 */
#ifndef LIUM_TESTS_DOCKERD_FIXTURE_H
#define LIUM_TESTS_DOCKERD_FIXTURE_H

#include <sys/types.h>

/** Exit code ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define DOCKERD_FIXTURE_SKIP 77

typedef struct dockerd_fixture {
	char dir[128];  /* the temporary directory */
	char sock[192]; /* <dir>/docker.sock */
	char host[200]; /* unix://<sock> */
	char log[192];  /* dockerd's output */
	pid_t pid;      /* dockerd, or 0 */
	/* registry (after dockerd_fixture_start_registry) */
	pid_t registry_pid;   /* docker-registry, or 0 */
	int registry_port;    /* its loopback port */
	char registry[64];    /* "127.0.0.1:<port>" */
	char user[32];        /* the user htpasswd knows */
	char password[32];    /* and its password */
	char config_dir[192]; /* a DOCKER_CONFIG dir whose config.json has the credentials */
} dockerd_fixture;

/**
 * Start dockerd and wait until /_ping answers (up to 90 s).
 *
 * @return 0; DOCKERD_FIXTURE_SKIP when this machine cannot run dockerd
 *         (not root, or dockerd exits at start: the reason and the end of
 *         its log are printed); -1 on any other failure (also printed).
 *         A missing dockerd binary is a failure, not a skip: install the
 *         docker.io package.
 */
int dockerd_fixture_start(dockerd_fixture *f);

/**
 * Start docker-registry on a free loopback port, with htpasswd (bcrypt)
 * authentication, storage in the fixture's directory, and write
 * <dir>/docker-config/config.json with the credentials ("auths", base64).
 *
 * @return 0, or -1 (printed).  A missing docker-registry binary is a
 *         failure: install the docker-registry package.
 */
int dockerd_fixture_start_registry(dockerd_fixture *f);

/** Stop the registry and dockerd (SIGTERM, then SIGKILL), remove the directory. */
void dockerd_fixture_stop(dockerd_fixture *f);

#endif /* LIUM_TESTS_DOCKERD_FIXTURE_H */
