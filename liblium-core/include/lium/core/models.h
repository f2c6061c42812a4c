/*
 * liblium-core: domain models of the Celium API.
 *
 * The structs are readable by programs: fields are only ever appended, and
 * programs never allocate them or take their size.  Objects live in lists
 * (lium_<thing>_list) that own them; list_add() hands out a zeroed object
 * that the list owns, list_free() releases the list and everything in it.
 * Every string field is either NULL or a NUL-terminated string allocated with
 * the lium allocator and owned by its object.
 *
 * Field meanings follow the Celium REST API (see the API reference); units
 * are stated per field.  Numbers that the server did not send are 0 unless a
 * field says otherwise.
 */
#ifndef LIUM_CORE_MODELS_H
#define LIUM_CORE_MODELS_H

#include "common.h"
#include "error.h"
#include "huid.h"
#include "time.h"

LIUM_BEGIN_DECLS

/** Where a machine is. */
typedef struct lium_location {
	char *country;      /**< display name, "United States" */
	char *country_code; /**< ISO 3166-1 alpha-2, "US" */
	char *iso_code;     /**< fallback code sent by some servers */
	char *region;       /**< "Virginia" */
	char *city;         /**< "Ashburn" */
	double lat;         /**< degrees; valid when has_coords */
	double lon;         /**< degrees; valid when has_coords */
	int has_coords;     /**< 1 when lat/lon were sent */
} lium_location;

/** An offer: one rentable executor ("node"), as GET /executors lists it. */
typedef struct lium_executor {
	char *id;                 /**< UUID */
	char huid[LIUM_HUID_MAX]; /**< human-readable id computed from id */
	char *machine_name;       /**< "NVIDIA H100 80GB HBM3" */
	char *gpu_type;           /**< short type: "H100", "RTX4090", "A6000" */
	char *gpu_model;          /**< specs.gpu.details[0].name, or NULL */
	unsigned int gpu_count;   /**< GPUs (default 1) */
	double vram_gb;           /**< VRAM per GPU, GiB (capacity MiB / 1024) */
	double ram_gb;            /**< host RAM, GiB */
	double disk_gb;           /**< disk, GiB */
	unsigned int cpu_count;   /**< CPU cores (specs.cpu.count) */
	char *cpu_model;          /**< specs.cpu.model */
	double net_down_mbps;     /**< effective download speed, Mbps */
	double net_up_mbps;       /**< effective upload speed, Mbps */
	double spec_down_mbps;    /**< specs.network.download_speed, Mbps */
	double spec_up_mbps;      /**< specs.network.upload_speed, Mbps */
	double pcie_speed;        /**< details[0].pcie_speed, MB/s */
	double memory_bandwidth;  /**< details[0].memory_speed, GB/s */
	double tflops;            /**< details[0].graphics_speed */
	double max_cuda_version;  /**< e.g. 12.8; 0 when unknown */
	char *cuda_version;       /**< details[0].cuda, e.g. "12.8", or NULL */
	char *driver_version;     /**< specs.gpu.driver, or NULL */
	lium_location location;   /**< where the machine is */
	double price_per_gpu;     /**< USD per GPU-hour; 0 when unknown */
	double price_per_hour;    /**< USD per hour for the whole machine */
	char *status;             /**< "available", ... */
	char *ip_address;         /**< executor_ip_address */
	char *tier;               /**< "spot", "secure" or NULL */
	int docker_in_docker;     /**< specs.sysbox_runtime */
	int available_ports;      /**< specs.available_port_count; -1 unknown */
	double uptime_minutes;    /**< uptime_in_minutes; 0 unknown */
	char *os;                 /**< specs.os, or NULL */
	size_t index;             /**< position in the list it came in (0-based) */
} lium_executor;

/** Pod states.  LIUM_POD_OTHER covers a status string not listed here. */
typedef enum lium_pod_state {
	LIUM_POD_UNKNOWN = 0,
	LIUM_POD_PENDING,
	LIUM_POD_STARTING,
	LIUM_POD_RUNNING,
	LIUM_POD_STOPPED,
	LIUM_POD_FAILED,
	LIUM_POD_DELETING,
	LIUM_POD_OTHER
} lium_pod_state;

/** One "internal:external" port mapping. */
typedef struct lium_port_map {
	unsigned int internal_port; /**< port inside the pod */
	unsigned int external_port; /**< port reachable from outside */
} lium_port_map;

/** A key/value string pair (template environment). */
typedef struct lium_kv {
	char *key;   /**< variable name */
	char *value; /**< variable value */
} lium_kv;

/** A template: a Docker image and how to start it. */
typedef struct lium_template {
	char *id;                        /**< server id (UUID) */
	char huid[LIUM_HUID_MAX];        /**< human-readable id computed from id */
	char *name;                      /**< name */
	char *description;               /**< free text */
	char *docker_image;              /**< repository without tag */
	char *docker_image_tag;          /**< default "latest" */
	char *docker_image_digest;       /**< image digest, or "" */
	int64_t docker_image_size;       /**< bytes; 0 unknown */
	char *category;                  /**< PYTORCH, UBUNTU, ... (default "general") */
	char *status;                    /**< CREATED ... VERIFY_SUCCESS (default "unknown") */
	char *user_id;                   /**< owner; NULL for public templates */
	int is_private;                  /**< 1 when only the owner sees it */
	int one_time_template;           /**< 1 when the server deletes it with its pod */
	int container_start_immediately; /**< 1 to start the container at once */
	char *entrypoint;                /**< container entrypoint, or "" */
	char *startup_commands;          /**< container command, or "" */
	char *readme;                    /**< readme text */
	unsigned int *internal_ports;    /**< ports the container exposes */
	size_t internal_port_count;      /**< entries in internal_ports */
	char **volumes;                  /**< mount paths */
	size_t volume_count;             /**< entries in volumes */
	lium_kv *environment;            /**< container environment */
	size_t environment_count;        /**< entries in environment */
	lium_time created_at;            /**< LIUM_TIME_NONE when absent */
	lium_time updated_at;            /**< last change, or LIUM_TIME_NONE */
} lium_template;

/** A rented pod. */
typedef struct lium_pod {
	char *id;                       /**< server id (UUID) */
	char huid[LIUM_HUID_MAX];       /**< human-readable id computed from id */
	char *name;                     /**< pod_name */
	char *status;                   /**< as sent, e.g. "RUNNING" */
	lium_pod_state state;           /**< status parsed case-insensitively */
	char *ssh_connect_cmd;          /**< "ssh root@1.2.3.4 -p 40022" or NULL */
	lium_port_map *ports;           /**< ports_mapping, sorted by internal port */
	size_t port_count;              /**< entries in ports */
	double price_per_hour;          /**< pod `price`: total USD/hour */
	lium_time created_at;           /**< LIUM_TIME_NONE when absent */
	lium_time updated_at;           /**< last change, or LIUM_TIME_NONE */
	lium_time removal_scheduled_at; /**< LIUM_TIME_NONE when none */
	char *jupyter_status;           /**< SUCCESS, FAILED, other = in progress */
	char *jupyter_url;              /**< Jupyter URL once installed, or NULL */
	lium_executor *executor;        /**< owned; NULL when the server sent none */
	lium_template *template_;       /**< owned; NULL when none */
	char *template_name;            /**< template.name or template_name */
	char *executor_id;              /**< executor.id or executor_id */
	char *gpu_name;                 /**< legacy gpu_name field, or NULL */
	unsigned int gpu_count;         /**< from executor, else legacy gpu_count */
	size_t index;                   /**< position in the list (0-based) */
} lium_pod;

/** A storage volume. */
typedef struct lium_volume {
	char *id;                      /**< server id (UUID) */
	char huid[LIUM_HUID_MAX];      /**< human-readable id computed from id */
	char *name;                    /**< name */
	char *description;             /**< free text */
	lium_time created_at;          /**< creation time, or LIUM_TIME_NONE */
	lium_time updated_at;          /**< last change, or LIUM_TIME_NONE */
	lium_time last_metrics_update; /**< when the sizes were measured, or LIUM_TIME_NONE */
	int64_t current_size_bytes;    /**< bytes stored */
	int64_t current_file_count;    /**< files stored */
	double current_size_gb;        /**< GB stored, as sent */
	double current_size_mb;        /**< MB stored, as sent */
} lium_volume;

/** A pod's backup configuration. */
typedef struct lium_backup_config {
	char *id;                            /**< server id (UUID) */
	char huid[LIUM_HUID_MAX];            /**< human-readable id computed from id */
	char *pod_id;                        /**< the pod it belongs to */
	char *pod_executor_id;               /**< the pod's executor id */
	unsigned int backup_frequency_hours; /**< hours between backups */
	unsigned int retention_days;         /**< days backups are kept */
	char *backup_path;                   /**< directory backed up inside the pod */
	int is_active;                       /**< default 1 */
	lium_time created_at;                /**< creation time, or LIUM_TIME_NONE */
	lium_time updated_at;                /**< last change, or LIUM_TIME_NONE */
} lium_backup_config;

/** One backup run. */
typedef struct lium_backup_log {
	char *id;                 /**< server id (UUID) */
	char huid[LIUM_HUID_MAX]; /**< human-readable id computed from id */
	char *backup_config_id;   /**< the configuration that ran it */
	char *status;             /**< COMPLETED, FAILED/ERROR, other = running */
	double progress;          /**< 0-100 */
	char *error_message;      /**< why it failed, or NULL */
	char *backup_volume_id;   /**< the volume holding the backup */
	lium_time started_at;     /**< start time, or LIUM_TIME_NONE */
	lium_time completed_at;   /**< end time, or LIUM_TIME_NONE */
	lium_time created_at;     /**< creation time, or LIUM_TIME_NONE */
} lium_backup_log;

/** One restore run. */
typedef struct lium_restore_log {
	char *id;                 /**< server id (UUID) */
	char huid[LIUM_HUID_MAX]; /**< human-readable id computed from id */
	char *backup_id;          /**< the backup restored */
	char *pod_id;             /**< the pod it belongs to */
	char *status;             /**< status string as sent */
	double progress;          /**< percent done, 0-100 */
	char *error_message;      /**< why it failed, or NULL */
	char *restore_path;       /**< directory restored into */
	char **logs;              /**< log lines */
	size_t log_count;         /**< entries in logs */
	lium_time started_at;     /**< start time, or LIUM_TIME_NONE */
	lium_time completed_at;   /**< end time, or LIUM_TIME_NONE */
	lium_time created_at;     /**< creation time, or LIUM_TIME_NONE */
} lium_restore_log;

/** A registered SSH public key. */
typedef struct lium_ssh_key {
	char *id;             /**< server id (UUID) */
	char *name;           /**< name */
	char *public_key;     /**< OpenSSH public key line */
	char *user_id;        /**< owning user id */
	lium_time created_at; /**< creation time, or LIUM_TIME_NONE */
} lium_ssh_key;

/** The account (GET /users/me). */
typedef struct lium_user {
	char *id;                 /**< server id (UUID) */
	char *email;              /**< e-mail address */
	double balance;           /**< USD */
	char *stripe_customer_id; /**< payment customer id */
} lium_user;

/** A scheduled pod removal (derived from pods with removal_scheduled_at). */
typedef struct lium_schedule {
	char *pod_id;                   /**< the pod it belongs to */
	char huid[LIUM_HUID_MAX];       /**< human-readable id computed from id */
	char *pod_name;                 /**< the pod's name */
	char *status;                   /**< status string as sent */
	lium_time removal_scheduled_at; /**< when the pod is removed */
} lium_schedule;

/** An entry of GET /machines. */
typedef struct lium_machine {
	char *name;     /**< full machine name */
	char *gpu_type; /**< short type extracted from the name */
} lium_machine;

/** An entry of GET /executors/default-docker-image. */
typedef struct lium_docker_image {
	char *docker_image;     /**< image repository, without tag */
	char *docker_image_tag; /**< image tag */
} lium_docker_image;

/** GET /executors/deployment-estimate. */
typedef struct lium_estimate {
	int64_t estimated_seconds; /**< expected seconds until the pod runs */
	int is_slow_machine;       /**< 1 when the server warns that the machine is slow */
	char *warning_message;     /**< the server's warning, or NULL */
	int is_cached_template;    /**< 1 when the image is already on the machine */
	int64_t docker_image_size; /**< bytes; 0 unknown */
} lium_estimate;

/** A TMC Pay currency. */
typedef struct lium_currency {
	char *code;           /**< currency code, e.g. "USDT" */
	char *network;        /**< chain, e.g. "tron" */
	int decimals;         /**< decimals of the currency */
	int display_decimals; /**< decimals shown to people */
} lium_currency;

/** A TMC Pay invoice. */
typedef struct lium_invoice {
	char *invoice_id;         /**< invoice id */
	char *deposit_address;    /**< address to pay to */
	char *crypto_amount;      /**< as sent (string or number rendered) */
	char *crypto_currency;    /**< currency to pay in */
	char *crypto_network;     /**< chain to pay on */
	double fiat_amount;       /**< amount in fiat currency */
	char *fiat_currency;      /**< default "USD" */
	char *exchange_rate;      /**< rate used, as sent */
	char *hosted_invoice_url; /**< payment page */
	lium_time expires_at;     /**< expiry, or LIUM_TIME_NONE */
} lium_invoice;

/*
 * Lists.  Each list owns its items; `items[i]` is borrowed and valid until the
 * list is freed.  Lookup functions return a borrowed pointer or NULL.
 */

#define LIUM__DECLARE_LIST(T)                                                                    \
	typedef struct lium_##T##_list {                                                         \
		lium_##T **items; /**< the objects, in server order */                           \
		size_t count;     /**< number of objects */                                      \
		size_t capacity;  /**< allocated slots (internal) */                             \
	} lium_##T##_list;                                                                       \
	/** Create an empty list; *out is NULL on failure. */                                    \
	LIUM_CORE_EXPORT lium_status lium_##T##_list_new(lium_##T##_list **out);                 \
	/** Append a zeroed object owned by the list, returned in *out. */                       \
	LIUM_CORE_EXPORT lium_status lium_##T##_list_add(lium_##T##_list *list, lium_##T **out); \
	/** Free the list and every object in it; NULL is ignored. */                            \
	LIUM_CORE_EXPORT void lium_##T##_list_free(lium_##T##_list *list);

LIUM__DECLARE_LIST(executor)
LIUM__DECLARE_LIST(pod)
LIUM__DECLARE_LIST(template)
LIUM__DECLARE_LIST(volume)
LIUM__DECLARE_LIST(backup_config)
LIUM__DECLARE_LIST(backup_log)
LIUM__DECLARE_LIST(restore_log)
LIUM__DECLARE_LIST(ssh_key)
LIUM__DECLARE_LIST(schedule)
LIUM__DECLARE_LIST(machine)
LIUM__DECLARE_LIST(docker_image)
LIUM__DECLARE_LIST(currency)

/*
 * Stand-alone objects (not in a list): created with _new, released with _free.
 */

/** Create a zeroed executor (e.g. for a pod's nested executor). */
LIUM_CORE_EXPORT lium_status lium_executor_new(lium_executor **out);
/** Free an executor and its strings; NULL is ignored. */
LIUM_CORE_EXPORT void lium_executor_free(lium_executor *e);
/** Create a zeroed template (times LIUM_TIME_NONE). */
LIUM_CORE_EXPORT lium_status lium_template_new(lium_template **out);
/** Free a template; NULL is ignored. */
LIUM_CORE_EXPORT void lium_template_free(lium_template *t);
/** Create a zeroed pod (times LIUM_TIME_NONE). */
LIUM_CORE_EXPORT lium_status lium_pod_new(lium_pod **out);
/** Free a pod, its executor and template; NULL is ignored. */
LIUM_CORE_EXPORT void lium_pod_free(lium_pod *p);
/** Create a zeroed user. */
LIUM_CORE_EXPORT lium_status lium_user_new(lium_user **out);
/** Free a user; NULL is ignored. */
LIUM_CORE_EXPORT void lium_user_free(lium_user *u);
/** Create a zeroed estimate. */
LIUM_CORE_EXPORT lium_status lium_estimate_new(lium_estimate **out);
/** Free an estimate; NULL is ignored. */
LIUM_CORE_EXPORT void lium_estimate_free(lium_estimate *e);
/** Create a zeroed invoice. */
LIUM_CORE_EXPORT lium_status lium_invoice_new(lium_invoice **out);
/** Free an invoice; NULL is ignored. */
LIUM_CORE_EXPORT void lium_invoice_free(lium_invoice *inv);
/** Create a zeroed volume (times LIUM_TIME_NONE). */
LIUM_CORE_EXPORT lium_status lium_volume_new(lium_volume **out);
/** Free a volume; NULL is ignored. */
LIUM_CORE_EXPORT void lium_volume_free(lium_volume *v);
/** Create a zeroed backup config. */
LIUM_CORE_EXPORT lium_status lium_backup_config_new(lium_backup_config **out);
/** Free a backup config; NULL is ignored. */
LIUM_CORE_EXPORT void lium_backup_config_free(lium_backup_config *c);
/** Create a zeroed SSH key. */
LIUM_CORE_EXPORT lium_status lium_ssh_key_new(lium_ssh_key **out);
/** Free an SSH key; NULL is ignored. */
LIUM_CORE_EXPORT void lium_ssh_key_free(lium_ssh_key *k);

/*
 * Derived values and lookups.
 */

/**
 * Fill the values derived from the raw fields of an executor the way the
 * official client does: huid from id, gpu_type from machine_name (falling
 * back to gpu_model), price_per_hour = price_per_gpu * gpu_count when it was
 * not sent, gpu_count >= 1.  Call it once all raw fields are set.
 */
LIUM_CORE_EXPORT void lium_executor_finish(lium_executor *e);

/** Fill a pod's huid and state from id and status. */
LIUM_CORE_EXPORT void lium_pod_finish(lium_pod *p);

/** Parse a status string ("running", "RUNNING") into a state. */
LIUM_CORE_EXPORT lium_pod_state lium_pod_state_parse(const char *status);

/** Upper-case name of a state ("RUNNING"); static string. */
LIUM_CORE_EXPORT const char *lium_pod_state_str(lium_pod_state state);

/**
 * A pod is ready when its status is RUNNING (any case) and it has a
 * non-empty ssh_connect_cmd.
 */
LIUM_CORE_EXPORT int lium_pod_is_ready(const lium_pod *p);

/** External port mapped to an internal one, or 0. */
LIUM_CORE_EXPORT unsigned int lium_pod_external_port(const lium_pod *p, unsigned int internal_port);

/**
 * Find an executor by exact id, then HUID (first match wins).
 * @return borrowed pointer or NULL
 */
LIUM_CORE_EXPORT lium_executor *lium_executor_list_find(const lium_executor_list *list,
							const char *key);
/** Find a pod by exact id, then name, then HUID.  Borrowed or NULL. */
LIUM_CORE_EXPORT lium_pod *lium_pod_list_find(const lium_pod_list *list, const char *key);
/** Find a template by exact id, then name, then HUID.  Borrowed or NULL. */
LIUM_CORE_EXPORT lium_template *lium_template_list_find(const lium_template_list *list,
							const char *key);
/** Find a volume by exact id, then name, then HUID.  Borrowed or NULL. */
LIUM_CORE_EXPORT lium_volume *lium_volume_list_find(const lium_volume_list *list, const char *key);
/** Find an SSH key by exact id, then name.  Borrowed or NULL. */
LIUM_CORE_EXPORT lium_ssh_key *lium_ssh_key_list_find(const lium_ssh_key_list *list,
						      const char *key);

/**
 * Build the schedule list from pods that have removal_scheduled_at, in pod
 * order.
 */
LIUM_CORE_EXPORT lium_status lium_schedules_from_pods(const lium_pod_list *pods,
						      lium_schedule_list **out, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_MODELS_H */
