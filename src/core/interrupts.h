/*
 * interrupts.h: the one PostgreSQL service the pure C core needs.
 *
 * Long loops in src/core call crm_check_interrupts() so a user's cancel or
 * statement_timeout is honoured; it is defined in src/crm_ext.c as
 * CHECK_FOR_INTERRUPTS(), which keeps the core free of PostgreSQL headers
 * (a standalone test driver can define it as a no-op).
 */
#ifndef CRM_INTERRUPTS_H
#define CRM_INTERRUPTS_H

void		crm_check_interrupts(void);

#endif
