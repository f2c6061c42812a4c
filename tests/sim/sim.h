/*
 * celium-sim: internal declarations shared by the sandbox's source files.
 *
 * The sandbox is one process: libmicrohttpd answers HTTP on its own threads,
 * the main thread owns every child process (pod sshd's, ssh-keygen, copy
 * jobs) and moves pods through their lifecycle.  All mutable state lives in
 * `sim` and is guarded by sim.lock; executor records are immutable after
 * start-up (only their `rented_by` link changes, under the lock).
 */
#ifndef CELIUM_SIM_H
#define CELIUM_SIM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <microhttpd.h>

#define SIM_DEFAULT_API_KEY "sim-key"
#define SIM_MAX_BODY        (1024u * 1024u)
#define SIM_ID_LEN          37 /* a UUID and its NUL */
#define SIM_JSON_FLAGS      (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* ---- small utilities (sim_util.c) ----------------------------------- */

/** A growable array of pointers. */
typedef struct sim_vec {
	void **items;
	size_t len;
	size_t cap;
} sim_vec;

void sim_vec_push(sim_vec *v, void *item);
void sim_vec_remove_at(sim_vec *v, size_t i);
void sim_vec_free(sim_vec *v);

/** A growable string. */
typedef struct sim_str {
	char *data;
	size_t len;
	size_t cap;
} sim_str;

void sim_str_add(sim_str *s, const char *data, size_t n);
void sim_str_adds(sim_str *s, const char *text);
void sim_str_addf(sim_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sim_str_steal(sim_str *s, size_t *len);

void *sim_xmalloc(size_t n);
void *sim_xcalloc(size_t n, size_t size);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);
char *sim_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Deterministic 64-bit generator (splitmix64). */
uint64_t sim_mix64(uint64_t x);
/** Next value of the shared id generator (locked by the caller). */
uint64_t sim_rand_next(void);
double sim_rand_unit(void);
/** A random version-4 UUID from the shared generator. */
void sim_uuid_new(char out[SIM_ID_LEN]);
/** A UUID derived from a 64-bit value (deterministic). */
void sim_uuid_from(uint64_t a, uint64_t b, char out[SIM_ID_LEN]);
/** Lower-cases a hyphenated UUID into out; false when `s` is not one. */
bool sim_uuid_normalize(const char *s, char out[SIM_ID_LEN]);

/** The simulated wall clock: real time plus the /_sim/clock offset. */
double sim_now(void);
/** ISO-8601 UTC "2026-05-22T09:41:07Z". */
void sim_iso_time(double t, char out[32]);
/** Parses an ISO-8601 date-time (Z, +hh:mm, or naive UTC); false if invalid. */
bool sim_parse_iso_time(const char *s, double *out);

/** mkdir -p; mode applies to the created leaves. */
int sim_mkdirs(const char *path, mode_t mode);
/** rm -rf, without following symbolic links. */
int sim_rmtree(const char *path);
/** Writes a whole file atomically (tmp + rename). */
int sim_write_file(const char *path, const char *data, size_t len, mode_t mode);
/** Reads a whole file; NULL on error. */
char *sim_read_file(const char *path, size_t *len);
/** Total size and count of regular files below a directory. */
void sim_dir_usage(const char *path, uint64_t *bytes, uint64_t *files);

/** A free TCP port on 127.0.0.1 (bound and released). 0 on failure. */
int sim_free_port(void);

void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- HTTP plumbing (sim_http.c) ------------------------------------- */

/** One request, as the handlers see it. */
typedef struct sim_req {
	struct MHD_Connection *conn;
	char method[16];
	char *path;  /* decoded path, without query */
	char *query; /* raw query string, "" when none */
	char *body;
	size_t body_len;
	bool body_too_big;
	json_t *json;         /* parsed body (NULL when not JSON or empty) */
	bool not_json_type;   /* a Content-Type other than JSON: FastAPI reads bytes */
	const char *segs[12]; /* path segments */
	int nsegs;
	int user; /* index into sim.users, or -1 */
} sim_req;

/** A response under construction. */
typedef struct sim_resp {
	unsigned int status;
	char *body; /* malloc'd */
	size_t len;
	const char *content_type;
	int retry_after;
	char *location;
	/* streaming bodies (pod logs) */
	MHD_ContentReaderCallback reader;
	void *reader_cls;
	MHD_ContentReaderFreeCallback reader_free;
} sim_resp;

/** Takes ownership of `body` (a JSON value) and renders it. */
void sim_resp_json(sim_resp *r, unsigned int status, json_t *body);
/** {"detail": "..."} */
void sim_resp_detail(sim_resp *r, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** 422 with a FastAPI validation list; takes ownership of `errors`. */
void sim_resp_422(sim_resp *r, json_t *errors);
/** Appends one pydantic-style error to `errors`. */
void sim_verr(json_t *errors, const char *type, const char *where, const char *field,
	      const char *msg, json_t *input);

/** Query parameter lookup (decoded); NULL when absent. */
const char *sim_query(const sim_req *r, const char *name);

int sim_http_start(void);
void sim_http_stop(void);

/* ---- body validation (sim_util.c) ----------------------------------- */

typedef enum sim_ftype {
	SIM_F_STR,
	SIM_F_INT,
	SIM_F_NUM,
	SIM_F_BOOL,
	SIM_F_STR_ARRAY,
	SIM_F_INT_ARRAY,
	SIM_F_STR_MAP, /* object of string -> string */
	SIM_F_UUID,
} sim_ftype;

typedef struct sim_field {
	const char *name;
	sim_ftype type;
	bool required;
	bool nullable;
} sim_field;

/**
 * Checks the request body against a field list.  On failure fills `resp`
 * with a 422 and returns false.
 */
bool sim_validate_body(sim_req *r, const sim_field *fields, size_t n, sim_resp *resp);
/**
 * Appends type errors of the body to `errors`; true when the body is a JSON
 * object (so that further checks can look at it).
 */
bool sim_check_body(sim_req *r, const sim_field *fields, size_t n, json_t *errors);
/** Integer query parameter; false (and a 422 entry in errors) if malformed. */
bool sim_query_int(const sim_req *r, const char *name, long long *out, bool *present,
		   json_t *errors);
bool sim_query_num(const sim_req *r, const char *name, double *out, bool *present, json_t *errors);
bool sim_query_bool(const sim_req *r, const char *name, bool *out, bool *present, json_t *errors);

/* ---- faults (sim_faults.c) ------------------------------------------ */

typedef enum sim_fault_mode {
	SIM_FAULT_STATUS,
	SIM_FAULT_DROP,
	SIM_FAULT_TRUNCATE,
	SIM_FAULT_MALFORMED,
	SIM_FAULT_LATENCY,
} sim_fault_mode;

typedef struct sim_fault {
	long long id;
	char method[16];
	char *path;
	sim_fault_mode mode;
	unsigned int status;
	int retry_after;
	long latency_ms;
	double rate;
	long long count; /* 0 = unlimited */
	long long after;
	bool when_after;
	long long seen;    /* matching requests so far */
	long long applied; /* times applied */
} sim_fault;

/** A copy of the fault that hits this request, if any. */
bool sim_faults_match(const char *method, const char *path, sim_fault *out);
/** Parses a fault from JSON; fills `errors` on failure. */
sim_fault *sim_fault_from_json(json_t *obj, json_t *errors);
/** Parses the --fault command-line form (JSON or METHOD,PATH,MODE[,k=v...]). */
sim_fault *sim_fault_from_arg(const char *arg);
long long sim_faults_add(sim_fault *f);
bool sim_faults_remove(long long id);
void sim_faults_clear(void);
json_t *sim_faults_json(void);
json_t *sim_fault_to_json(const sim_fault *f);
bool sim_glob_match(const char *pattern, const char *text);

/* ---- the model ------------------------------------------------------ */

typedef struct sim_gpu_info {
	char name[96];
	long capacity_mib;
	int power_limit_w;
	char cuda[8];
} sim_gpu_info;

typedef struct sim_executor {
	char id[SIM_ID_LEN];
	char *machine_name;
	char *json; /* pre-rendered compact JSON */
	size_t json_len;
	int gpu_count;
	double price_per_gpu;
	bool has_loc;
	double lat, lon;
	double download_mbps; /* effective, 0 if unknown */
	int available_ports;
	char driver[24];
	sim_gpu_info gpu;
	struct sim_pod *rented_by; /* under sim.lock */
} sim_executor;

typedef struct sim_user {
	char api_key[128];
	char id[SIM_ID_LEN];
	char email[96];
	char stripe_customer_id[40];
	double credit; /* initial balance plus top-ups */
	double spent;  /* accrued by pods that are gone */
} sim_user;

typedef enum sim_tstate {
	SIM_T_SYSTEM, /* public, always VERIFY_SUCCESS */
	SIM_T_VERIFY, /* private, verification running from verify_start */
} sim_tstate;

typedef struct sim_template {
	char id[SIM_ID_LEN];
	int owner;   /* user index, -1 for public */
	json_t *obj; /* every field except status/updated_at */
	sim_tstate state;
	const char *first_status; /* CREATED or UPDATED */
	double verify_start;
	double created_at, updated_at;
	bool fails;
	bool one_time;
	long long image_size;
} sim_template;

typedef struct sim_sshkey {
	char id[SIM_ID_LEN];
	int owner;
	char *name;
	char *public_key;
	double created_at;
} sim_sshkey;

typedef struct sim_volume {
	char id[SIM_ID_LEN];
	int owner;
	char *name;
	char *description;
	char *dir;
	double created_at, updated_at;
} sim_volume;

typedef struct sim_backup_config {
	char id[SIM_ID_LEN];
	int owner;
	char pod_id[SIM_ID_LEN];
	char executor_id[SIM_ID_LEN];
	long long frequency_hours;
	long long retention_days;
	char *path;
	bool active;
	double created_at, updated_at;
} sim_backup_config;

typedef enum sim_job_kind { SIM_JOB_BACKUP, SIM_JOB_RESTORE } sim_job_kind;

/** A backup or a restore: a real `cp -a` run by the main thread. */
typedef struct sim_job {
	char id[SIM_ID_LEN];
	sim_job_kind kind;
	int owner;
	char pod_id[SIM_ID_LEN];
	char config_id[SIM_ID_LEN]; /* backups: may be "" */
	char backup_id[SIM_ID_LEN]; /* restores: the backup restored */
	char *name, *description;
	char *path;      /* backup_path / restore_path as given */
	char *src, *dst; /* host paths */
	char *status;    /* PENDING, IN_PROGRESS, COMPLETED, FAILED */
	char *error;
	int progress;
	double created_at, started_at, completed_at;
	pid_t pid;
	sim_vec log_lines; /* char * */
} sim_job;

typedef struct sim_invoice {
	char id[SIM_ID_LEN];
	int owner;
	json_t *obj;
} sim_invoice;

typedef enum sim_pod_phase {
	SIM_PHASE_PENDING,  /* waiting for pending_ms */
	SIM_PHASE_STARTING, /* sshd started, waiting for it and starting_ms */
	SIM_PHASE_RUNNING,
	SIM_PHASE_DELETING, /* processes stopped, files removed; shown briefly */
	SIM_PHASE_GONE,
} sim_pod_phase;

typedef struct sim_pod {
	char id[SIM_ID_LEN];
	int owner;
	char *name;
	sim_executor *exec;
	sim_template *tmpl; /* counted in template's users */
	json_t *exec_obj;   /* the nested executor object */
	char *dir;
	char *tag;    /* CELIUM_SIM_TAG value */
	sim_vec keys; /* char *, authorized keys */
	char volume_id[SIM_ID_LEN];
	char *dockerfile;
	long long extra_ports;
	double price;
	double created_at, updated_at, phase_at;
	double removal_at; /* 0 = none */
	sim_pod_phase phase;
	const char *forced_status; /* set through /_sim, overrides the phase */
	bool prepared;             /* files written */
	bool want_restart;         /* reboot / switch-template asked for */
	bool ssh_disabled;         /* /_sim/pods/<id>/ssh running=false */
	bool ssh_ready;            /* sshd said it listens */
	bool ssh_was_stopped;      /* stopped through /_sim: start again when enabled */
	bool cleaned;              /* processes stopped and files removed */
	long ssh_log_offset;       /* log size when sshd was started */
	int start_attempts;
	pid_t sshd_pid;
	int ssh_port;
	sim_vec ports; /* internal port numbers (int cast to pointer), ssh first */
	sim_vec ext_ports;
	char *jupyter_status;
	char *jupyter_url;
	int jupyter_port;
	double jupyter_at;
	char *host_key_pub;
} sim_pod;

typedef struct sim_options {
	const char *host;
	int port;
	const char *state_dir;
	long executors;
	uint64_t seed;
	const char *executors_file;
	sim_vec api_keys;
	const char *url_file;
	long pending_ms;
	long starting_ms;
	long deleting_ms;
	double balance;
	sim_vec faults;
	bool quiet;
	bool exit_with_parent;
	const char *sshd_path;
	const char *keygen_path;
} sim_options;

typedef struct sim_state {
	pthread_mutex_t lock;
	sim_options opt;
	char instance[SIM_ID_LEN];
	char *state_dir; /* absolute */
	char *url;
	char *smi_path; /* nvidia-smi stand-in copied into the state dir */
	bool is_root;
	uid_t pod_uid;
	gid_t pod_gid;
	char pod_user[64];
	char pod_shell[256];
	double clock_offset;
	uint64_t rng;
	volatile sig_atomic_t stopping;
	int wake_fd[2];
	pid_t guardian_pid;

	sim_executor *execs;
	size_t nexecs;
	size_t *exec_by_id;    /* indices sorted by id */
	sim_vec machine_names; /* char *, sorted, unique */

	sim_vec users;
	sim_vec templates;
	sim_vec sshkeys;
	sim_vec volumes;
	sim_vec backup_configs;
	sim_vec jobs;
	sim_vec invoices;
	sim_vec pods; /* creation order */

	sim_vec faults;
	long long next_fault_id;

	json_t *requests; /* array */
	long long next_seq;
} sim_state;

extern sim_state sim;

/** Wakes the main thread (lifecycle work to do). */
void sim_wake(void);

/* ---- inventory (sim_inventory.c) ------------------------------------ */
int sim_inventory_generate(long count, uint64_t seed);
int sim_inventory_load(const char *path);
sim_executor *sim_executor_find(const char *id);
void sim_inventory_free(void);

/* ---- the API handlers ----------------------------------------------- */
typedef void (*sim_handler)(sim_req *r, sim_resp *resp);

void sim_h_executors(sim_req *r, sim_resp *resp);
void sim_h_default_image(sim_req *r, sim_resp *resp);
void sim_h_estimate(sim_req *r, sim_resp *resp);
void sim_h_machines(sim_req *r, sim_resp *resp);

void sim_h_rent(sim_req *r, sim_resp *resp);
void sim_h_pods_list(sim_req *r, sim_resp *resp);
void sim_h_pod_get(sim_req *r, sim_resp *resp);
void sim_h_pod_delete(sim_req *r, sim_resp *resp);
void sim_h_pod_reboot(sim_req *r, sim_resp *resp);
void sim_h_pod_logs(sim_req *r, sim_resp *resp);
void sim_h_pod_switch(sim_req *r, sim_resp *resp);
void sim_h_pod_schedule(sim_req *r, sim_resp *resp);
void sim_h_pod_unschedule(sim_req *r, sim_resp *resp);
void sim_h_pod_jupyter(sim_req *r, sim_resp *resp);
void sim_h_pod_backup(sim_req *r, sim_resp *resp);
void sim_h_pod_restore(sim_req *r, sim_resp *resp);
void sim_h_pod_restore_logs(sim_req *r, sim_resp *resp);

void sim_h_templates_list(sim_req *r, sim_resp *resp);
void sim_h_template_get(sim_req *r, sim_resp *resp);
void sim_h_template_create(sim_req *r, sim_resp *resp);
void sim_h_template_update(sim_req *r, sim_resp *resp);
void sim_h_template_delete(sim_req *r, sim_resp *resp);

void sim_h_sshkeys_list(sim_req *r, sim_resp *resp);
void sim_h_sshkey_create(sim_req *r, sim_resp *resp);
void sim_h_sshkey_delete(sim_req *r, sim_resp *resp);

void sim_h_volumes_list(sim_req *r, sim_resp *resp);
void sim_h_volume_get(sim_req *r, sim_resp *resp);
void sim_h_volume_create(sim_req *r, sim_resp *resp);
void sim_h_volume_update(sim_req *r, sim_resp *resp);
void sim_h_volume_delete(sim_req *r, sim_resp *resp);

void sim_h_backup_config_create(sim_req *r, sim_resp *resp);
void sim_h_backup_configs_list(sim_req *r, sim_resp *resp);
void sim_h_backup_config_of_pod(sim_req *r, sim_resp *resp);
void sim_h_backup_config_delete(sim_req *r, sim_resp *resp);
void sim_h_backup_logs_of_pod(sim_req *r, sim_resp *resp);

void sim_h_users_me(sim_req *r, sim_resp *resp);
void sim_h_tao_transfer(sim_req *r, sim_resp *resp);
void sim_h_tmc_currencies(sim_req *r, sim_resp *resp);
void sim_h_tmc_invoice(sim_req *r, sim_resp *resp);

/* ---- accounts (sim_account.c) --------------------------------------- */
void sim_accounts_init(void);
sim_template *sim_template_find(const char *id, int user);
const char *sim_template_status(const sim_template *t);
json_t *sim_template_json(const sim_template *t);
/** A private one-time template for a Dockerfile rent. */
sim_template *sim_template_for_dockerfile(int owner, const char *dockerfile);
void sim_template_release(sim_template *t);
/** True for an OpenSSH public key line whose blob matches its type. */
bool sim_valid_public_key(const char *line);
sim_volume *sim_volume_find(const char *id, int user);
double sim_user_balance(int user);
sim_job *sim_job_find(const char *id);
void sim_accounts_free(void);

/* ---- pods (sim_pods.c) ---------------------------------------------- */
/** Finds sshd, ssh-keygen and sftp-server. */
void sim_pods_init(void);
void sim_pods_free_paths(void);
sim_pod *sim_pod_find(const char *id, int user);
const char *sim_pod_status(const sim_pod *p);
json_t *sim_pod_json(const sim_pod *p);
double sim_pod_cost(const sim_pod *p, double now);
/** Main thread: moves pods and jobs along; returns ms until the next deadline. */
long sim_pods_tick(void);
/** Main thread: a child exited. */
void sim_pods_child_exited(pid_t pid, int status);
/** Main thread: stops every pod (shutdown). */
void sim_pods_shutdown(void);
void sim_h_sim_pod_state(sim_req *r, sim_resp *resp, const char *id);
void sim_h_sim_pod_ssh(sim_req *r, sim_resp *resp, const char *id);
void sim_h_sim_pod_info(sim_req *r, sim_resp *resp, const char *id);
/** Appends one lifecycle line to a pod's log. */
void sim_pod_log(const sim_pod *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- processes (sim_proc.c) ----------------------------------------- */
/** Starts a child in its own session, dying with us; stdout/stderr to `out_path`. */
pid_t sim_spawn(const char *const argv[], const char *const envp[], const char *out_path);
/** Runs a command to completion; returns its exit status or -1. */
int sim_run(const char *const argv[], const char *out_path);
/** SIGKILLs every process whose environment holds `tag_prefix`, and the tree below `root`. */
int sim_kill_tagged(const char *tag_prefix, pid_t root);
/** Makes sure the pod login user exists and can log in. */
int sim_setup_pod_user(void);
/** Kills what a previous run with this state dir left behind. */
void sim_reap_leftovers(void);
/** Forks the guardian that cleans up if we are SIGKILLed. */
int sim_start_guardian(void);
void sim_stop_guardian(void);
const char *sim_find_program(const char *name, const char *const extra_dirs[]);

#endif
