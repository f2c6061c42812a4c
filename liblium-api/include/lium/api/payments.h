/*
 * liblium-api: adding funds.
 *
 * Endpoints: GET /tmc-pay/currencies, POST /tmc-pay/create-invoice (stablecoin
 * top-up), POST /tao/create-transfer (the first step of linking a Bittensor
 * wallet; the signing steps on the pay API are not part of this library).
 */
#ifndef LIUM_API_PAYMENTS_H
#define LIUM_API_PAYMENTS_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * Currencies accepted for top-ups (GET /tmc-pay/currencies, `refresh=true`
 * when asked).  The response `{"currencies": [...]}` or a bare list.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  refresh  non-zero asks the server to refresh its list
 * @param[out] out      freed with lium_currency_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_payments_currencies(lium_client *client, int refresh,
						     lium_currency_list **out, lium_error *err);

/**
 * Create a top-up invoice (POST /tmc-pay/create-invoice, body `{"amount",
 * "crypto_currency", "crypto_network"}`).  Not retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  amount_usd  USD amount, > 0
 * @param[in]  currency    e.g. "USDT", not NULL
 * @param[in]  network     e.g. "tron", not NULL
 * @param[out] out         freed with lium_invoice_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_payments_create_invoice(lium_client *client, double amount_usd,
							 const char *currency, const char *network,
							 lium_invoice **out, lium_error *err);

/**
 * Start a TAO transfer session (POST /tao/create-transfer, body
 * `{"amount": amount}`) and return the redirect URL the server gives (its
 * query carries `app_id` and `customer_id`).  Not retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  amount  the amount (the official client sends 10)
 * @param[out] url     receives the `url` (appended), not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_EPARSE (no url) or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_payments_tao_transfer(lium_client *client, double amount,
						       lium_buf *url, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_PAYMENTS_H */
