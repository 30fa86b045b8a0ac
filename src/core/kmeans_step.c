/*
 * kmeans_step.c: order-independent Lloyd iteration state; see kmeans_step.h.
 */
#include <math.h>
#include <string.h>

#include "core/kmeans_step.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect((x) != 0, 0)
#endif

/* lazy normalization: a lo absorbs 2^20 digits below 2^W on top of 2^M < 2^53 */
#define KSTEP_LAZY_MASK ((1 << 20) - 1)

/* 2^p for -1022 <= p <= 1023, built from its bits */
static inline double
pow2(int p)
{
	union
	{
		uint64_t	u;
		double		f;
	}			v;

	v.u = (uint64_t) (p + 1023) << 52;
	return v.f;
}

/*
 * 1.5 * 2^(p + 52): (r + C) - C rounds r to the nearest multiple of 2^p
 * (ties to even) when |r| < 2^(p + 51), in IEEE double arithmetic with
 * round-to-nearest (never with x87 extended precision).
 */
static inline double
round_const(int p)
{
	union
	{
		uint64_t	u;
		double		f;
	}			v;

	v.u = ((uint64_t) (p + 52 + 1023) << 52) | (UINT64_C(1) << 51);
	return v.f;
}

/* bin of a nonzero finite |x|: floor(log2|x| / W), clamped */
static inline int
bin_of(double x)
{
	union
	{
		double		f;
		uint64_t	u;
	}			v;
	int			e,
				b;

	v.f = x;
	e = (int) ((v.u >> 52) & 0x7ff);
	if (e == 0)
		return KSTEP_BIN_MIN;	/* subnormal */
	e -= 1023;
	b = e >> 5;					/* floor(e / 32): arithmetic shift */
	if (b < KSTEP_BIN_MIN)
		b = KSTEP_BIN_MIN;
	if (b > KSTEP_BIN_MAX)
		b = KSTEP_BIN_MAX;
	return b;
}

/* floor of v for |v| < 2^62 */
static inline double
floor_small(double v)
{
	int64_t		i = (int64_t) v;

	if ((double) i > v)
		i--;
	return (double) i;
}

static inline void
acc_init(double *acc)
{
	acc[0] = KSTEP_BIN_MIN;
	for (int i = 1; i < KSTEP_ACC; i++)
		acc[i] = 0.0;
}

/* move the window up so the top bin is nb (> current) */
static void
acc_shift(double *acc, int nb)
{
	int			s = nb - (int) acc[0];

	for (int i = KSTEP_BINS - 1; i >= 0; i--)
	{
		int			from = i - s;

		if (from >= 0)
		{
			acc[1 + 2 * i] = acc[1 + 2 * from];
			acc[2 + 2 * i] = acc[2 + 2 * from];
		}
		else
		{
			acc[1 + 2 * i] = 0.0;
			acc[2 + 2 * i] = 0.0;
		}
	}
	acc[0] = nb;
}

/*
 * Bin i (bin index B - i, unit u = 2^(W(B-i))) holds hi + lo: lo a multiple
 * of u below 2^53 u in magnitude, hi a multiple of 2^M u.  Canonical: lo in
 * [0, 2^M u).
 */
static inline void
acc_normalize(double *acc)
{
	int			top = (int) acc[0];

	for (int i = 0; i < KSTEP_BINS; i++)
	{
		int			p = KSTEP_W * (top - i) + KSTEP_M;
		double		lo = acc[2 + 2 * i];
		double		c = floor_small(lo * pow2(-p)) * pow2(p);

		acc[2 + 2 * i] = lo - c;
		acc[1 + 2 * i] += c;
	}
}

/*
 * Add x exactly, up to its digits below the window.  x's digits are fixed
 * by x alone: from its own bin b down, digit = r rounded to a multiple of
 * the bin's unit, r -= digit; every bin's content is the exact sum of the
 * digits of all values added, whatever their order.
 */
static inline void
acc_add(double *acc, double x)
{
	int			b,
				top;
	double		r = x;

	if (x == 0.0)
		return;
	b = bin_of(fabs(x));
	top = (int) acc[0];
	if (unlikely(b > top))
	{
		acc_shift(acc, b);
		top = b;
	}
	for (int i = top - b; i < KSTEP_BINS; i++)
	{
		double		c = round_const(KSTEP_W * (top - i));
		double		q = (r + c) - c;

		r -= q;
		acc[2 + 2 * i] += q;
		if (r == 0.0)
			break;
	}
}

double
kstep_acc_value(const double *acc)
{
	double		v = 0.0;

	for (int i = 0; i < KSTEP_BINS; i++)
		v += acc[1 + 2 * i] + acc[2 + 2 * i];
	return v;
}

/* a += b, b read-only (canonical or lazily normalized) */
static void
acc_merge(double *a, const double *b)
{
	double		t[KSTEP_ACC];
	int			ta,
				tb;

	memcpy(t, b, sizeof(t));
	acc_normalize(t);
	acc_normalize(a);
	ta = (int) a[0];
	tb = (int) t[0];
	if (tb > ta)
		acc_shift(a, tb);
	else if (ta > tb)
		acc_shift(t, ta);
	for (int i = 0; i < KSTEP_BINS; i++)
	{
		a[1 + 2 * i] += t[1 + 2 * i];
		a[2 + 2 * i] += t[2 + 2 * i];
	}
	acc_normalize(a);
}

/* ---- slots ---- */

static inline double *
slot(double *s, int d, int c)
{
	return s + KSTEP_HDR + (size_t) c * KSTEP_SLOT(d);
}

static inline const double *
cslot(const double *s, int d, int c)
{
	return s + KSTEP_HDR + (size_t) c * KSTEP_SLOT(d);
}

#define SLOT_ACC(sl, d, j) ((sl) + 2 + (d) + (size_t) KSTEP_ACC * (j))

void
kstep_init(double *s, int k, int d)
{
	s[0] = KSTEP_MAGIC;
	s[1] = KSTEP_VERSION;
	s[2] = k;
	s[3] = d;
	for (int c = 0; c < k; c++)
	{
		double	   *sl = slot(s, d, c);

		sl[0] = 0.0;
		sl[1] = -1.0;
		for (int j = 0; j < d; j++)
			sl[2 + j] = 0.0;
		for (int j = 0; j <= d; j++)
			acc_init(SLOT_ACC(sl, d, j));
	}
}

/* is point a before point b (lexicographic)? */
static inline bool
point_less(const double *a, const double *b, int d)
{
	for (int j = 0; j < d; j++)
	{
		if (a[j] < b[j])
			return true;
		if (a[j] > b[j])
			return false;
	}
	return false;
}

/* is (d2a, a) a farther point than (d2b, b)?  Ties: the smaller point */
static inline bool
farther(double d2a, const double *a, double d2b, const double *b, int d)
{
	if (d2a != d2b)
		return d2a > d2b;
	return point_less(a, b, d);
}

int
kstep_nearest_t(const double *x, const double *cent_t, int k, int d,
				double *dist, double *d2out)
{
	int			best = 0;
	double		bd;

	/*
	 * dist[c] = sum_j (x_j - c_j)^2, summed in j order for every c (the same
	 * operations as a scalar loop per centroid, so the same bits), with the
	 * loop over centroids innermost so that it vectorizes
	 */
	for (int c = 0; c < k; c++)
		dist[c] = 0.0;
	for (int j = 0; j < d; j++)
	{
		const double *cj = cent_t + (size_t) j * k;
		double		xj = x[j];

		for (int c = 0; c < k; c++)
		{
			double		t = xj - cj[c];

			dist[c] += t * t;
		}
	}
	bd = dist[0];
	for (int c = 1; c < k; c++)
		if (dist[c] < bd)
		{
			bd = dist[c];
			best = c;
		}
	*d2out = bd;
	return best;
}

/* squared distances are summed scaled by 2^-512, so that any finite one fits the bins */
#define KSTEP_D2_SCALE_EXP 512

bool
kstep_add_to(double *s, int k, int d, const double *x, int best, double bd)
{
	double	   *sl = slot(s, d, best);
	double		cnt = sl[0] + 1.0;

	if (!isfinite(bd))
		return false;
	sl[0] = cnt;
	if (farther(bd, x, sl[1], sl + 2, d))
	{
		sl[1] = bd;
		memcpy(sl + 2, x, sizeof(double) * d);
	}
	for (int j = 0; j < d; j++)
		acc_add(SLOT_ACC(sl, d, j), x[j]);
	acc_add(SLOT_ACC(sl, d, d), bd * pow2(-KSTEP_D2_SCALE_EXP));
	if ((((int64_t) cnt) & KSTEP_LAZY_MASK) == 0)
		for (int j = 0; j <= d; j++)
			acc_normalize(SLOT_ACC(sl, d, j));
	return true;
}

void
kstep_merge(double *a, const double *b, int k, int d)
{
	for (int c = 0; c < k; c++)
	{
		double	   *sa = slot(a, d, c);
		const double *sb = cslot(b, d, c);

		if (sb[0] > 0.0)
		{
			sa[0] += sb[0];
			if (sb[1] >= 0.0 && (sa[1] < 0.0 || farther(sb[1], sb + 2, sa[1], sa + 2, d)))
			{
				sa[1] = sb[1];
				memcpy(sa + 2, sb + 2, sizeof(double) * d);
			}
		}
		for (int j = 0; j <= d; j++)
			acc_merge(SLOT_ACC(sa, d, j), SLOT_ACC(sb, d, j));
	}
}

void
kstep_canonicalize(double *s, int k, int d)
{
	for (int c = 0; c < k; c++)
	{
		double	   *sl = slot(s, d, c);

		for (int j = 0; j <= d; j++)
			acc_normalize(SLOT_ACC(sl, d, j));
	}
}

static inline bool
is_int(double v, double bound)
{
	return v == floor(v) && fabs(v) <= bound;
}

const char *
kstep_check(const double *s, size_t len, int *kout, int *dout)
{
	int			k,
				d;

	if (len < KSTEP_HDR || s[0] != KSTEP_MAGIC)
		return "it does not start with the kmeans_step marker";
	if (s[1] != KSTEP_VERSION)
		return "unknown version";
	if (!(s[2] >= 1 && s[2] <= 100000 && s[2] == floor(s[2])) ||
		!(s[3] >= 1 && s[3] <= 100000 && s[3] == floor(s[3])))
		return "k or d out of range";
	k = (int) s[2];
	d = (int) s[3];
	if (len != KSTEP_LEN(k, d))
		return "its length does not match k and d";
	for (int c = 0; c < k; c++)
	{
		const double *sl = cslot(s, d, c);

		if (!(sl[0] >= 0) || !is_int(sl[0], 9007199254740992.0))
			return "a count is not a non-negative integer";
		if (!(sl[1] >= -1.0) || !isfinite(sl[1]) || (sl[1] < 0 && sl[1] != -1.0))
			return "a farthest distance is invalid";
		for (int j = 0; j < d; j++)
			if (!(fabs(sl[2 + j]) <= KSTEP_MAX_ABS))
				return "a farthest point is out of range";
		for (int j = 0; j <= d; j++)
		{
			const double *acc = SLOT_ACC(sl, d, j);
			int			top;

			if (!is_int(acc[0], 1e9) || acc[0] < KSTEP_BIN_MIN || acc[0] > KSTEP_BIN_MAX)
				return "a bin index is out of range";
			top = (int) acc[0];
			for (int i = 0; i < KSTEP_BINS; i++)
			{
				int			p = KSTEP_W * (top - i);

				/* hi: a multiple of 2^(p+M), at most 2^(p+M+53); lo: a multiple of 2^p within 2^(p+53) */
				if (!is_int(acc[1 + 2 * i] * pow2(-p - KSTEP_M), 9007199254740992.0) ||
					!is_int(acc[2 + 2 * i] * pow2(-p), 9007199254740992.0))
					return "a partial sum is not a multiple of its bin's unit within 2^53 units";
			}
		}
	}
	*kout = k;
	*dout = d;
	return 0;
}

double
kstep_count(const double *s, int k, int d, int c)
{
	return cslot(s, d, c)[0];
}

double
kstep_cluster_inertia(const double *s, int k, int d, int c)
{
	/* may overflow to infinity: the caller reports it */
	return kstep_acc_value(SLOT_ACC(cslot(s, d, c), d, d)) * pow2(KSTEP_D2_SCALE_EXP / 2) *
		pow2(KSTEP_D2_SCALE_EXP / 2);
}

double
kstep_inertia(const double *s, int k, int d)
{
	double		t = 0.0;

	for (int c = 0; c < k; c++)
		t += kstep_cluster_inertia(s, k, d, c);
	return t;
}

int
kstep_centroids(const double *s, int k, int d, const double *old, double *out)
{
	int			empty = 0,
				prev = -1;

	for (int c = 0; c < k; c++)
	{
		const double *sl = cslot(s, d, c);
		double	   *o = out + (size_t) c * d;

		if (sl[0] > 0.0)
			for (int j = 0; j < d; j++)
				o[j] = kstep_acc_value(SLOT_ACC(sl, d, j)) / sl[0];
		else
		{
			memcpy(o, old + (size_t) c * d, sizeof(double) * d);
			empty++;
		}
	}

	/*
	 * Relocate the empty clusters, in index order, to the farthest points of
	 * donors taken in decreasing order of (farthest distance, then the
	 * smaller point): each donor after the previous one in that order.  Far
	 * points of different clusters differ (equal points go to one cluster),
	 * so the order is strict.
	 */
	for (int c = 0; c < k && empty > 0; c++)
	{
		int			donor = -1;

		if (cslot(s, d, c)[0] > 0.0)
			continue;
		for (int o = 0; o < k; o++)
		{
			const double *so = cslot(s, d, o);

			/* a donor keeps at least one point and gives a new position */
			if (so[0] < 2.0 || !(so[1] > 0.0))
				continue;
			if (prev >= 0 && !farther(cslot(s, d, prev)[1], cslot(s, d, prev) + 2,
									  so[1], so + 2, d))
				continue;		/* not after the previous donor */
			if (donor < 0 || farther(so[1], so + 2, cslot(s, d, donor)[1],
									 cslot(s, d, donor) + 2, d))
				donor = o;
		}
		if (donor < 0)
			break;				/* the rest keep their old centroids */
		{
			const double *sd = cslot(s, d, donor);
			double	   *od = out + (size_t) donor * d;

			memcpy(out + (size_t) c * d, sd + 2, sizeof(double) * d);
			for (int j = 0; j < d; j++)
				od[j] = (kstep_acc_value(SLOT_ACC(sd, d, j)) - sd[2 + j]) / (sd[0] - 1.0);
		}
		prev = donor;
	}
	return empty;
}

double
kstep_total_ss(const double *s, int k, int d, const double *centroids)
{
	double		n = 0.0,
				ss = 0.0;

	/*
	 * sum_c [inertia_c - n_c |m_c - a_c|^2] + sum_j sum_c n_c (m_cj - mu_j)^2,
	 * a_c the centroid the points were assigned to, m_c their mean, mu the
	 * mean of all points
	 */
	for (int c = 0; c < k; c++)
		n += cslot(s, d, c)[0];
	if (n == 0.0)
		return 0.0;
	for (int c = 0; c < k; c++)
	{
		const double *sl = cslot(s, d, c);
		const double *a = centroids + (size_t) c * d;
		double		own = 0.0;

		if (sl[0] == 0.0)
			continue;
		for (int j = 0; j < d; j++)
		{
			double		m = kstep_acc_value(SLOT_ACC(sl, d, j)) / sl[0];

			own += (m - a[j]) * (m - a[j]);
		}
		ss += kstep_cluster_inertia(s, k, d, c) - sl[0] * own;
	}
	for (int j = 0; j < d; j++)
	{
		double		t = 0.0,
					mu;

		for (int c = 0; c < k; c++)
			t += kstep_acc_value(SLOT_ACC(cslot(s, d, c), d, j));
		mu = t / n;
		for (int c = 0; c < k; c++)
		{
			const double *sl = cslot(s, d, c);

			if (sl[0] > 0.0)
			{
				double		m = kstep_acc_value(SLOT_ACC(sl, d, j)) / sl[0] - mu;

				ss += sl[0] * m * m;
			}
		}
	}
	return ss > 0.0 ? ss : 0.0;
}

/* ---- content hash for samples ---- */

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

double
kmeans_point_key(const double *x, int d, uint64_t seed)
{
	uint64_t	h = mix64(seed * UINT64_C(0x9E3779B97F4A7C15) + UINT64_C(0x632BE59BD9B4E019));

	for (int j = 0; j < d; j++)
	{
		union
		{
			double		f;
			uint64_t	u;
		}			v;

		v.f = x[j] == 0.0 ? 0.0 : x[j];	/* -0 as 0 */
		h = mix64(h ^ (v.u + UINT64_C(0x9E3779B97F4A7C15) * (uint64_t) (j + 1)));
	}
	return (double) (h >> 11) * (1.0 / 9007199254740992.0);
}
