/*
 * liblium-api: the Celium (Lium) REST client.
 *
 * Create a lium_client (api/client.h), then call the endpoint functions,
 * grouped by resource: api/executors.h (offers, machines, estimates,
 * renting), api/pods.h, api/templates.h, api/ssh_keys.h, api/users.h,
 * api/volumes.h, api/backups.h, api/payments.h.  api/decode.h decodes JSON
 * documents without a server.  Results are liblium-core models
 * (lium/core/models.h).
 */
#ifndef LIUM_API_H
#define LIUM_API_H

#include "api/common.h"
#include "api/client.h"
#include "api/decode.h"
#include "api/executors.h"
#include "api/pods.h"
#include "api/templates.h"
#include "api/ssh_keys.h"
#include "api/users.h"
#include "api/volumes.h"
#include "api/backups.h"
#include "api/payments.h"

#endif /* LIUM_API_H */
