/*
 * matrix_args.h: float8[][] <-> C matrices for the AHP/ANP fmgr glue.
 */
#ifndef CRM_MATRIX_ARGS_H
#define CRM_MATRIX_ARGS_H

#include "postgres.h"
#include "utils/array.h"

/*
 * Square float8[][] argument as a row-major n x n matrix (palloc'd).
 * known == NULL: NULL elements are an error; else *known gets a palloc'd
 * n x n mask, 1 where the element is not NULL (NULL elements read as 0).
 * Errors for a non-2-D, empty or non-square array name the argument.
 */
double	   *crm_square_matrix_arg(ArrayType *arr, const char *argname, int *n,
								  unsigned char **known);

/* rows x cols row-major doubles as a float8[][] with lower bounds 1 */
ArrayType  *crm_matrix_result(const double *a, int rows, int cols);

/* 1-D float8[] / int4[] without NULLs */
double	   *crm_vector_arg(ArrayType *arr, const char *argname, int *len);
int		   *crm_int_vector_arg(ArrayType *arr, const char *argname, int *len);

/*
 * Refuse work that would need more than work_mem (or a single allocation
 * larger than MaxAllocSize): doubles = number of float8 slots needed.
 */
void		crm_check_matrix_memory(int n, double doubles, const char *what);

#endif
