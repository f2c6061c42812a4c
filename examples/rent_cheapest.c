/*
 * rent_cheapest: rent the cheapest offer, wait until the pod runs, print how
 * to reach it over SSH, and terminate it again.
 *
 *   LIUM_API_KEY=...  [LIUM_BASE_URL=...]  rent_cheapest
 *
 * Optional environment:
 *   LIUM_SSH_PUBLIC_KEY       an OpenSSH public key line to install in the pod
 *   LIUM_SSH_PUBLIC_KEY_FILE  a file holding one (default: ~/.ssh/id_ed25519.pub,
 *                             ~/.ssh/id_ecdsa.pub or ~/.ssh/id_rsa.pub)
 *   LIUM_TEMPLATE_ID          the template to run (default: the first one listed)
 *   LIUM_WAIT_SECONDS         how long to wait for the pod (default 600)
 *
 * Exits 0 when every step worked, 1 otherwise.  Ctrl-C stops waiting and
 * still terminates the pod.  This spends money on the real marketplace.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lium/api.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The first line of a file, without its newline; NULL when unreadable. */
static char *read_line(const char *path)
{
	static char line[16384];
	FILE *fp = fopen(path, "r");

	if (!fp)
		return NULL;
	if (!fgets(line, sizeof(line), fp)) {
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	return line[0] ? line : NULL;
}

static const char *public_key(void)
{
	static const char *const names[] = {"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"};
	const char *key = getenv("LIUM_SSH_PUBLIC_KEY");
	const char *file = getenv("LIUM_SSH_PUBLIC_KEY_FILE");
	const char *home = getenv("HOME");
	char path[4096];
	size_t i;

	if (key && *key)
		return key;
	if (file && *file)
		return read_line(file);
	for (i = 0; home && i < sizeof(names) / sizeof(names[0]); i++) {
		const char *line;

		snprintf(path, sizeof(path), "%s/.ssh/%s", home, names[i]);
		if ((line = read_line(path)) != NULL)
			return line;
	}
	return NULL;
}

static int fail(const char *what, const lium_error *err)
{
	fprintf(stderr, "rent_cheapest: %s: %s\n", what, err->message);
	return 1;
}

int main(void)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_rent_options rent = LIUM_RENT_OPTIONS_INIT;
	lium_client *client = NULL;
	lium_executor_list *offers = NULL;
	lium_template_list *templates = NULL;
	const lium_executor *cheapest = NULL;
	lium_pod *pod = NULL, *ready = NULL;
	lium_ssh_endpoint ssh;
	const char *key, *template_id, *wait_env;
	char pod_name[64];
	unsigned long wait_s;
	lium_error err;
	int rc = 1;
	size_t i;

	opts.base_url = getenv("LIUM_BASE_URL");
	opts.api_key = getenv("LIUM_API_KEY");
	opts.cancel = &interrupted;
	if (!opts.api_key) {
		fprintf(stderr, "rent_cheapest: set LIUM_API_KEY\n");
		return 1;
	}
	key = public_key();
	if (!key) {
		fprintf(stderr, "rent_cheapest: no SSH public key (set LIUM_SSH_PUBLIC_KEY)\n");
		return 1;
	}
	wait_env = getenv("LIUM_WAIT_SECONDS");
	wait_s = wait_env ? strtoul(wait_env, NULL, 10) : 600;
	signal(SIGINT, on_sigint);

	if (lium_client_new(&client, &opts, &err) != LIUM_OK)
		return fail("client", &err);

	/* 1. The offers, and the cheapest of them. */
	if (lium_executors_list(client, NULL, &offers, &err) != LIUM_OK) {
		rc = fail("listing offers", &err);
		goto out;
	}
	for (i = 0; i < offers->count; i++)
		if (!cheapest || offers->items[i]->price_per_hour < cheapest->price_per_hour)
			cheapest = offers->items[i];
	if (!cheapest) {
		fprintf(stderr, "rent_cheapest: no offers\n");
		goto out;
	}
	printf("cheapest offer: %s, %u x %s at $%.2f/h\n", cheapest->huid, cheapest->gpu_count,
	       cheapest->gpu_type, cheapest->price_per_hour);

	/* 2. A template to run. */
	template_id = getenv("LIUM_TEMPLATE_ID");
	if (!template_id) {
		if (lium_templates_list(client, &templates, &err) != LIUM_OK) {
			rc = fail("listing templates", &err);
			goto out;
		}
		if (!templates->count) {
			fprintf(stderr, "rent_cheapest: no templates\n");
			goto out;
		}
		template_id = templates->items[0]->id;
	}

	/* 3. Rent.  A lost answer never leads to a second pod (see executors.h). */
	snprintf(pod_name, sizeof(pod_name), "example-%s", cheapest->huid);
	rent.pod_name = pod_name;
	rent.template_id = template_id;
	rent.public_keys = &key;
	rent.public_key_count = 1;
	if (lium_executors_rent(client, cheapest->id, &rent, &pod, &err) != LIUM_OK) {
		rc = fail("renting", &err);
		goto out;
	}
	printf("rented pod %s (%s)\n", pod->huid, pod->id);

	/* 4. Wait until it runs, then say how to log in. */
	if (lium_pods_wait_ready(client, pod->id, (uint64_t)wait_s * 1000, 2000, &ready, &err) !=
	    LIUM_OK) {
		rc = fail("waiting for the pod", &err);
	} else if (lium_sshcmd_parse(ready->ssh_connect_cmd, &ssh, &err) != LIUM_OK) {
		rc = fail("reading the SSH command", &err);
	} else {
		printf("pod is running; log in with:\n  ssh -p %u %s@%s\n", ssh.port, ssh.user,
		       ssh.host);
		rc = 0;
	}

	/* 5. Terminate it, whatever happened above. */
	interrupted = 0;
	if (lium_pods_delete(client, pod->id, &err) != LIUM_OK)
		rc = fail("terminating the pod", &err);
	else
		printf("terminated pod %s\n", pod->huid);
out:
	lium_pod_free(ready);
	lium_pod_free(pod);
	lium_template_list_free(templates);
	lium_executor_list_free(offers);
	lium_client_free(client);
	return rc;
}
