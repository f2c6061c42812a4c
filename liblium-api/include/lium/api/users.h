/*
 * liblium-api: the account.
 *
 * Endpoint: GET /users/me.
 */
#ifndef LIUM_API_USERS_H
#define LIUM_API_USERS_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * The caller's account (GET /users/me): id, email, balance, Stripe customer.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_user_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_users_me(lium_client *client, lium_user **out, lium_error *err);

/**
 * The account balance in USD (GET /users/me, field `balance`; null = 0).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] usd  the balance, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_users_balance(lium_client *client, double *usd, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_USERS_H */
