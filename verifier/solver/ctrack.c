/*
 * The path trackers' inner loops in C, one path at a time: the homotopy's segment loop
 * (verifier.solver.homotopy._track: track) and the monodromy's (verifier.solver.monodromy._track:
 * track_family, on the sparse start's coefficient family and on the witness sets' slice family).
 *
 * Why hand-written: the tracker follows a few to a few thousand paths of small systems (N <= ~40
 * unknowns). In numpy every predictor or corrector evaluation is about twenty array calls whose
 * fixed cost (~1-2 us each) dominates once a batch has shrunk to the handful of paths that the
 * endgame and the slow paths leave; no maintained Python library tracks paths of a polynomial
 * homotopy (the established trackers are PHCpack, Bertini and HomotopyContinuation.jl, none of them
 * a Python dependency). This file does exactly what the numpy loops do, per path: the same RK4
 * predictor, the same Newton corrector and step-size rule, the same tests, on the same coefficient
 * tables, so that they agree to rounding (tests/solve/test_ctrack.py compares them).
 * It decides nothing about soundness: its endpoints are candidates that later steps certify.
 *
 * The homotopy (see homotopy._Homotopy._system): with the monomial table W of a point z (W[0] = 1,
 * W[k] = W[par[k]] * z[var[k]], k in degree order) and the sparse rows R = C2 W (2K rows, K = n + nN:
 * the values and Jacobian entries of F^h, then those of G^h, or G^h's from its linear forms),
 *     HH = (1 - t) R[:K] + t gamma R[K:]
 *     H_Z = [HH[n:] as n x N; patch rows A]        H = [HH[:n]; A z - 1]
 *     H_t dt = [(gamma R[K:K+n] - R[:n]) dt; 0]
 * Only the standard C library and the CPython API (buffer protocol, no numpy headers).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef double complex cplx;

typedef struct {
    /* fused table */
    const cplx *cval;
    const int64_t *ccol;
    const int64_t *crow; /* 2K + 1 row pointers */
    const int64_t *par;
    const int64_t *var;
    Py_ssize_t M, n, N, K;
    cplx gamma;
    const cplx *patch; /* (N - n) x N */
    /* G^h as products of linear forms (the multihomogeneous start), or Kmax = 0: G^h in the table */
    const cplx *Lc;    /* n x Kmax x N: factor f of equation i is Lc[i, f, :] . z */
    const int64_t *nf; /* factors per equation (the first nf[i] of the Kmax) */
    Py_ssize_t Kmax;
    /* work space */
    cplx *W, *R, *HH, *A, *B, *L, *pre;
} Sys;

static double now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double norm2(const cplx *v, Py_ssize_t N)
{
    double s = 0.0;
    for (Py_ssize_t j = 0; j < N; j++)
        s += creal(v[j]) * creal(v[j]) + cimag(v[j]) * cimag(v[j]);
    return sqrt(s);
}

static int all_finite(const cplx *v, Py_ssize_t N)
{
    for (Py_ssize_t j = 0; j < N; j++)
        if (!isfinite(creal(v[j])) || !isfinite(cimag(v[j])))
            return 0;
    return 1;
}

/* Values (n) and Jacobian rows (n x N) of G^h_i = prod_f L_if(z) into out (the layout of the table's
 * rows): prefix products, then the product of the other factors (suffix products) times each form. */
static void product_rows(Sys *S, const cplx *z, cplx *out)
{
    const Py_ssize_t n = S->n, N = S->N, Kmax = S->Kmax;
    cplx *L = S->L, *pre = S->pre;
    for (Py_ssize_t j = 0; j < n * N; j++)
        out[n + j] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_ssize_t F = (Py_ssize_t)S->nf[i];
        const cplx *Li = S->Lc + i * Kmax * N;
        for (Py_ssize_t f = 0; f < F; f++) {
            cplx acc = 0.0;
            for (Py_ssize_t j = 0; j < N; j++)
                acc += Li[f * N + j] * z[j];
            L[f] = acc;
        }
        cplx p = 1.0;
        for (Py_ssize_t f = 0; f < F; f++) {
            pre[f] = p;
            p *= L[f];
        }
        out[i] = p;
        cplx suf = 1.0;
        cplx *row = out + n + i * N;
        for (Py_ssize_t f = F - 1; f >= 0; f--) {
            const cplx e = pre[f] * suf;
            for (Py_ssize_t j = 0; j < N; j++)
                row[j] += e * Li[f * N + j];
            suf *= L[f];
        }
    }
}

/* H_Z into S->A (row-major N x N) and the right-hand sides into S->B (N x nrhs, row-major):
 * nrhs = 2: [H, H_t dt]; nrhs = 1: [H_t dt]. */
static void sys_eval(Sys *S, const cplx *z, cplx t, cplx dt, int nrhs)
{
    const Py_ssize_t M = S->M, n = S->n, N = S->N, K = S->K;
    cplx *W = S->W, *R = S->R, *HH = S->HH, *A = S->A, *B = S->B;
    W[0] = 1.0;
    for (Py_ssize_t k = 1; k < M; k++)
        W[k] = W[S->par[k]] * z[S->var[k]];
    const Py_ssize_t rows = S->Kmax ? K : 2 * K;
    for (Py_ssize_t r = 0; r < rows; r++) {
        cplx acc = 0.0;
        for (int64_t j = S->crow[r]; j < S->crow[r + 1]; j++)
            acc += S->cval[j] * W[S->ccol[j]];
        R[r] = acc;
    }
    if (S->Kmax)
        product_rows(S, z, R + K);
    const cplx a = 1.0 - t, b = t * S->gamma;
    for (Py_ssize_t r = 0; r < K; r++)
        HH[r] = a * R[r] + b * R[K + r];
    memcpy(A, HH + n, (size_t)(n * N) * sizeof(cplx));
    memcpy(A + n * N, S->patch, (size_t)((N - n) * N) * sizeof(cplx));
    for (Py_ssize_t i = 0; i < n; i++) {
        cplx htd = (S->gamma * R[K + i] - R[i]) * dt;
        if (nrhs == 2) {
            B[2 * i] = HH[i];
            B[2 * i + 1] = htd;
        } else {
            B[i] = htd;
        }
    }
    for (Py_ssize_t g = n; g < N; g++) {
        if (nrhs == 2) {
            const cplx *p = S->patch + (g - n) * N;
            cplx acc = 0.0;
            for (Py_ssize_t j = 0; j < N; j++)
                acc += p[j] * z[j];
            B[2 * g] = acc - 1.0;
            B[2 * g + 1] = 0.0;
        } else {
            B[g] = 0.0;
        }
    }
}

static inline double cabs1(cplx v) { return fabs(creal(v)) + fabs(cimag(v)); }

/* 1 / z by Smith's method: the build uses -fcx-limited-range (complex products without the C99 NaN
 * recovery, which otherwise costs more than the arithmetic), under which a plain division would overflow
 * for |z| beyond ~1e154 or below ~1e-154. */
static inline cplx crecip(cplx z)
{
    const double a = creal(z), b = cimag(z);
    if (fabs(a) >= fabs(b)) {
        const double r = b / a, d = a + b * r;
        return 1.0 / d - (r / d) * I;
    }
    const double r = a / b, d = a * r + b;
    return r / d - (1.0 / d) * I;
}

/* Solve A X = B in place (B becomes X), partial pivoting as LAPACK's zgetrf (largest |re| + |im|).
 * A pivot that is exactly zero makes X NaN, as the numpy solver does for a singular matrix. */
static void lu_solve(cplx *A, cplx *B, Py_ssize_t N, int nrhs)
{
    for (Py_ssize_t k = 0; k < N; k++) {
        Py_ssize_t p = k;
        double best = cabs1(A[k * N + k]);
        for (Py_ssize_t i = k + 1; i < N; i++) {
            double v = cabs1(A[i * N + k]);
            if (v > best) {
                best = v;
                p = i;
            }
        }
        if (!(best > 0.0)) {
            for (Py_ssize_t i = 0; i < N * nrhs; i++)
                B[i] = NAN;
            return;
        }
        if (p != k) {
            for (Py_ssize_t j = 0; j < N; j++) {
                cplx tmp = A[k * N + j];
                A[k * N + j] = A[p * N + j];
                A[p * N + j] = tmp;
            }
            for (int c = 0; c < nrhs; c++) {
                cplx tmp = B[k * nrhs + c];
                B[k * nrhs + c] = B[p * nrhs + c];
                B[p * nrhs + c] = tmp;
            }
        }
        const cplx inv = crecip(A[k * N + k]);
        for (Py_ssize_t i = k + 1; i < N; i++) {
            const cplx f = A[i * N + k] * inv;
            if (f == 0.0)
                continue;
            A[i * N + k] = f;
            for (Py_ssize_t j = k + 1; j < N; j++)
                A[i * N + j] -= f * A[k * N + j];
            for (int c = 0; c < nrhs; c++)
                B[i * nrhs + c] -= f * B[k * nrhs + c];
        }
    }
    for (Py_ssize_t k = N - 1; k >= 0; k--) {
        const cplx inv = crecip(A[k * N + k]);
        for (int c = 0; c < nrhs; c++) {
            cplx acc = B[k * nrhs + c];
            for (Py_ssize_t j = k + 1; j < N; j++)
                acc -= A[k * N + j] * B[j * nrhs + c];
            B[k * nrhs + c] = acc * inv;
        }
    }
}

/* -H_Z^{-1} H_t dt at (z, t) into out */
static void tangent(Sys *S, const cplx *z, cplx t, cplx dt, cplx *out)
{
    sys_eval(S, z, t, dt, 1);
    lu_solve(S->A, S->B, S->N, 1);
    for (Py_ssize_t j = 0; j < S->N; j++)
        out[j] = -S->B[j];
}

typedef struct {
    double hmax, kappa, tol, hmin, deadline;
    long max_steps;
} Opts;

/* One path from s = 0 (t = ta) to s = 1 (t = tb); the numpy loop's rules, see homotopy._track.
 * Returns 1 arrived, -1 failed; z, *h and *steps are updated. */
static int track_one(Sys *S, cplx *z, cplx ta, cplx tb, double *h, int64_t *steps, const Opts *o, cplx *work)
{
    const Py_ssize_t N = S->N;
    cplx *k1 = work, *k2 = work + N, *k3 = work + 2 * N, *k4 = work + 3 * N;
    cplx *zt = work + 4 * N, *zc = work + 5 * N, *tan = work + 6 * N;
    const cplx dt = tb - ta;
    double s = 0.0;
    int k1ok = 0;
    long loc = 0;
    int state = 0;
    while (1) {
        if (now_monotonic() > o->deadline) {
            state = -1;
            break;
        }
        const double hi = fmin(*h, 1.0 - s);
        const double hh2 = 0.5 * hi;
        if (!k1ok)
            tangent(S, z, ta + s * dt, dt, k1);
        const cplx tm = ta + (s + 0.5 * hi) * dt;
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + hh2 * k1[j];
        tangent(S, zt, tm, dt, k2);
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + hh2 * k2[j];
        tangent(S, zt, tm, dt, k3);
        const double s1 = s + hi;
        const cplx t1 = ta + s1 * dt;
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + hi * k3[j];
        tangent(S, zt, t1, dt, k4);
        for (Py_ssize_t j = 0; j < N; j++)
            zc[j] = z[j] + (hi / 6.0) * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        /* Newton corrector, at most 3 iterations */
        const double nz = fmax(1.0, norm2(zc, N));
        double d_prev = INFINITY, d_first = INFINITY;
        int conv = 0, bad = !all_finite(zc, N);
        if (bad) {
            memcpy(zc, z, (size_t)N * sizeof(cplx));
            for (Py_ssize_t j = 0; j < N; j++)
                tan[j] = 0.0;
        }
        for (int it = 0; it < 3 && !(conv || bad); it++) {
            sys_eval(S, zc, t1, dt, 2);
            lu_solve(S->A, S->B, S->N, 2);
            const cplx *X = S->B;
            double dn = 0.0;
            int fin = 1;
            for (Py_ssize_t j = 0; j < N; j++) {
                dn += creal(X[2 * j]) * creal(X[2 * j]) + cimag(X[2 * j]) * cimag(X[2 * j]);
                if (!isfinite(creal(X[2 * j + 1])) || !isfinite(cimag(X[2 * j + 1])))
                    fin = 0;
            }
            dn = sqrt(dn);
            if (!isfinite(dn))
                fin = 0;
            int newbad, done;
            if (it == 0) {
                newbad = dn > o->kappa * nz;
                done = (dn <= o->tol * nz) || (dn <= 1e-7 * nz);
            } else {
                newbad = dn > 0.5 * d_prev;
                done = (dn <= o->tol * nz) || ((dn <= 1e-7 * nz) && (dn * dn <= o->tol * nz * d_prev));
            }
            if (!fin) {
                newbad = 1;
                done = 0;
            } else {
                for (Py_ssize_t j = 0; j < N; j++)
                    zc[j] -= X[2 * j];
            }
            for (Py_ssize_t j = 0; j < N; j++)
                tan[j] = -X[2 * j + 1];
            if (it == 0)
                d_first = dn;
            bad |= newbad;
            conv |= done;
            d_prev = dn;
        }
        const int acc = conv && !bad;
        loc++;
        int arrived = 0, failed = 0;
        if (acc) {
            memcpy(z, zc, (size_t)N * sizeof(cplx));
            s = s1;
            memcpy(k1, tan, (size_t)N * sizeof(cplx));
            k1ok = d_prev <= 1e-7 * nz;
            double ratio = 0.8 * pow(o->kappa * nz / fmax(d_first, 1e-300), 0.2);
            ratio = fmin(fmax(ratio, 0.25), 2.5);
            *h = fmin(hi * ratio, o->hmax);
            arrived = s >= 1.0 - 1e-15;
        } else {
            *h = 0.5 * hi;
            failed = *h < o->hmin;
        }
        if (loc >= o->max_steps)
            failed = !arrived;
        if (arrived) {
            state = 1;
            break;
        }
        if (failed) {
            state = -1;
            break;
        }
    }
    *steps += loc;
    return state;
}

/* -- the coefficient family of the sparse start (verifier.solver.sparse, tracked by monodromy._track) --
 *
 * G(Z; p) = (sum_{k in eq i} p_k Z^{e_k}, c . Z - 1), Z = (x, h) homogeneous (N = n + 1), along
 * p(s) = p0 + s dp. The table holds one single-term row per monomial term (its value, then its N
 * derivatives, as in the numpy family's NumericSystem T); starts[i] .. starts[i + 1] are equation i's terms.
 * The rules are monodromy._track's (a different corrector test from the homotopy loop above). */
typedef struct {
    const cplx *cval;
    const int64_t *ccol, *crow, *par, *var, *starts;
    Py_ssize_t M, n, N, Kc;
    const cplx *c;
    cplx *W, *V, *A, *B;
    /* slices (mode 1): the table holds F^h (m values, then m x N derivatives); the parameters are the
     * k x n matrix A and the k-vector b of the slices A x - b h (k = n - m), Kc = k n + k of them */
    int mode;
    Py_ssize_t m, k;
} Fam;

/* V: the table's rows at Z (mode 0: Kc term values, then Kc x N derivatives; mode 1: F^h and its
 * Jacobian) */
static void fam_terms(Fam *F, const cplx *z)
{
    cplx *W = F->W;
    W[0] = 1.0;
    for (Py_ssize_t k = 1; k < F->M; k++)
        W[k] = W[F->par[k]] * z[F->var[k]];
    const Py_ssize_t rows = F->mode ? F->m * (1 + F->N) : F->Kc * (1 + F->N);
    for (Py_ssize_t r = 0; r < rows; r++) {
        cplx acc = 0.0;
        for (int64_t j = F->crow[r]; j < F->crow[r + 1]; j++)
            acc += F->cval[j] * W[F->ccol[j]];
        F->V[r] = acc;
    }
}

/* A = G_Z(Z; p0 + s dp), B = G (mode 0) or dG/ds (mode 1), from the terms in F->V */
static void slice_system(Fam *F, const cplx *z, const cplx *p0, const cplx *dp, double s, int mode)
{
    const Py_ssize_t n = F->n, N = F->N, m = F->m, k = F->k;
    for (Py_ssize_t i = 0; i < m; i++) {
        F->B[i] = mode ? 0.0 : F->V[i];
        memcpy(F->A + i * N, F->V + m + i * N, (size_t)N * sizeof(cplx));
    }
    const cplx *b0 = p0 + k * n, *db = dp + k * n;
    for (Py_ssize_t r = 0; r < k; r++) {
        cplx *row = F->A + (m + r) * N;
        cplx g = 0.0, gt = 0.0;
        for (Py_ssize_t j = 0; j < n; j++) {
            const cplx a = p0[r * n + j] + s * dp[r * n + j];
            row[j] = a;
            g += a * z[j];
            gt += dp[r * n + j] * z[j];
        }
        const cplx b = b0[r] + s * db[r];
        row[n] = -b;
        F->B[m + r] = mode ? gt - db[r] * z[n] : g - b * z[n];
    }
    cplx acc = 0.0;
    for (Py_ssize_t j = 0; j < N; j++) {
        F->A[n * N + j] = F->c[j];
        acc += F->c[j] * z[j];
    }
    F->B[n] = mode ? 0.0 : acc - 1.0;
}

static void fam_system(Fam *F, const cplx *z, const cplx *p0, const cplx *dp, double s, int mode)
{
    if (F->mode) {
        slice_system(F, z, p0, dp, s, mode);
        return;
    }
    const Py_ssize_t n = F->n, N = F->N;
    const cplx *V = F->V, *dV = F->V + F->Kc;
    for (Py_ssize_t i = 0; i < n; i++) {
        cplx g = 0.0, gt = 0.0;
        cplx *row = F->A + i * N;
        for (Py_ssize_t j = 0; j < N; j++)
            row[j] = 0.0;
        for (int64_t k = F->starts[i]; k < F->starts[i + 1]; k++) {
            const cplx pk = p0[k] + s * dp[k];
            g += pk * V[k];
            gt += dp[k] * V[k];
            const cplx *d = dV + k * N;
            for (Py_ssize_t j = 0; j < N; j++)
                row[j] += pk * d[j];
        }
        F->B[i] = mode ? gt : g;
    }
    cplx acc = 0.0;
    for (Py_ssize_t j = 0; j < N; j++) {
        F->A[n * N + j] = F->c[j];
        acc += F->c[j] * z[j];
    }
    F->B[n] = mode ? 0.0 : acc - 1.0;
}

static void fam_deriv(Fam *F, const cplx *z, const cplx *p0, const cplx *dp, double s, cplx *out)
{
    fam_terms(F, z);
    fam_system(F, z, p0, dp, s, 1);
    lu_solve(F->A, F->B, F->N, 1);
    for (Py_ssize_t j = 0; j < F->N; j++)
        out[j] = -F->B[j];
}

typedef struct {
    double kappa, tol, hmax, h0, hmin, floor, max_norm, deadline;
    long max_steps;
} FamOpts;

/* One path of monodromy._track. Returns 1 arrived, -1 step size, -2 step budget, -3 norm bound,
 * -4 deadline. */
static int fam_track_one(Fam *F, cplx *z, const cplx *p0, const cplx *dp, const FamOpts *o, int64_t *steps,
                         cplx *work)
{
    const Py_ssize_t N = F->N;
    cplx *k1 = work, *k2 = work + N, *k3 = work + 2 * N, *k4 = work + 3 * N, *zt = work + 4 * N, *zc = work + 5 * N;
    const double norm0 = fmax(1.0, norm2(z, N));
    double s = 0.0, h = fmin(o->h0, o->hmax);
    long local = 0;
    while (1) {
        if (now_monotonic() > o->deadline)
            return -4;
        const double hi = fmin(h, 1.0 - s);
        fam_deriv(F, z, p0, dp, s, k1);
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + 0.5 * hi * k1[j];
        fam_deriv(F, zt, p0, dp, s + 0.5 * hi, k2);
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + 0.5 * hi * k2[j];
        fam_deriv(F, zt, p0, dp, s + 0.5 * hi, k3);
        for (Py_ssize_t j = 0; j < N; j++)
            zt[j] = z[j] + hi * k3[j];
        fam_deriv(F, zt, p0, dp, s + hi, k4);
        for (Py_ssize_t j = 0; j < N; j++)
            zc[j] = z[j] + (hi / 6.0) * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        const double t1 = s + hi;
        const double nz = fmax(1.0, norm2(zc, N));
        int bad = !all_finite(zc, N), conv = 0;
        if (bad)
            memcpy(zc, z, (size_t)N * sizeof(cplx));
        double d_first = INFINITY, d_prev = INFINITY;
        for (int it = 0; it < 3 && !(conv || bad); it++) {
            fam_terms(F, zc);
            fam_system(F, zc, p0, dp, t1, 0);
            lu_solve(F->A, F->B, N, 1);
            const double dn = norm2(F->B, N);
            const int fin = isfinite(dn);
            if (fin) {
                for (Py_ssize_t j = 0; j < N; j++)
                    zc[j] -= F->B[j];
            } else {
                bad = 1;
            }
            if (it == 0)
                d_first = dn;
            if (fin && dn <= o->tol * nz)
                conv = 1;
            if (it > 0 && fin && dn > 0.5 * d_prev && !conv) {
                if (d_prev <= o->floor * nz)
                    conv = 1;
                else
                    bad = 1;
            }
            d_prev = dn;
        }
        const int acc = conv && !bad && d_first <= o->kappa * nz;
        local++;
        (*steps)++;
        if (acc) {
            memcpy(z, zc, (size_t)N * sizeof(cplx));
            s += hi;
            double ratio = 0.8 * pow(o->kappa * nz / fmax(d_first, 1e-300), 0.2);
            ratio = fmin(fmax(ratio, 0.25), 2.5);
            h = fmin(hi * ratio, o->hmax);
            int state = s >= 1.0 - 1e-15 ? 1 : 0;
            if (norm2(z, N) > o->max_norm * norm0)
                return -3;
            if (state)
                return 1;
        } else {
            h = 0.5 * hi;
            if (h < o->hmin)
                return -1;
        }
        if (local >= o->max_steps)
            return -2;
    }
}

/* Called every 32 paths with the GIL released: takes it back, runs Python's signal handlers (Ctrl-C raises
 * KeyboardInterrupt there) and releases it again. Nonzero when a handler raised: the caller stops and
 * returns NULL with the exception set. */
static int signals_pending(PyThreadState **ts)
{
    PyEval_RestoreThread(*ts);
    const int raised = PyErr_CheckSignals() < 0;
    *ts = PyEval_SaveThread();
    return raised;
}

static int get_buf(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, Py_ssize_t count, int writable,
                   const char *name)
{
    if (PyObject_GetBuffer(obj, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (view->len != itemsize * count) {
        PyErr_Format(PyExc_ValueError, "ctrack: %s has %zd bytes, expected %zd", name, view->len,
                     itemsize * count);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

static void release_bufs(Py_buffer *b, int nb)
{
    for (int j = 0; j < nb; j++)
        if (b[j].obj != NULL)
            PyBuffer_Release(&b[j]);
}

/* Every buffer of a call (C-contiguous, of the expected size, writable where asked), or -1 with the
 * exception set and none held. b must be zeroed. */
static int get_bufs(Py_buffer *b, int nb, PyObject *const *objs, const Py_ssize_t *size, const Py_ssize_t *count,
                    const int *wr, const char *const *names)
{
    for (int i = 0; i < nb; i++) {
        if (get_buf(objs[i], &b[i], size[i], count[i], wr[i], names[i]) < 0) {
            release_bufs(b, nb);
            return -1;
        }
    }
    return 0;
}

/* The sparse table's indices stay inside it: columns below M, row pointers nondecreasing up to nnz, each
 * monomial's parent before it and its variable among the N. */
static int table_ok(const int64_t *ccol, const int64_t *crow, const int64_t *par, const int64_t *var,
                    Py_ssize_t nnz, Py_ssize_t rows, Py_ssize_t M, Py_ssize_t N)
{
    for (Py_ssize_t j = 0; j < nnz; j++)
        if (ccol[j] < 0 || ccol[j] >= M)
            return 0;
    for (Py_ssize_t r = 0; r < rows; r++)
        if (crow[r] < 0 || crow[r] > crow[r + 1] || crow[r + 1] > nnz)
            return 0;
    for (Py_ssize_t k = 1; k < M; k++)
        if (par[k] < 0 || par[k] >= k || var[k] < 0 || var[k] >= N)
            return 0;
    return 1;
}

/* track(cval, ccol, crow, par, var, nnz, M, n, N, K, P, gamma, patch, Lc, nf, Kmax, Z, ta, tb, h, steps, state,
 *       hmax, kappa, tol, hmin, seconds_left, max_steps) -> None
 * With Kmax > 0 the table holds F^h's rows only (rows K..2K empty) and G^h is the product of the linear
 * forms Lc (n x Kmax x N, nf[i] factors in equation i); with Kmax = 0, Lc and nf are empty.
 * Z (P x N complex128), ta, tb (P complex128), h (P float64), steps (P int64) are updated in place;
 * state (P int8) receives 1 arrived, -1 failed. */
static PyObject *ctrack_track(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_cval, *o_ccol, *o_crow, *o_par, *o_var, *o_patch, *o_Lc, *o_nf, *o_Z, *o_ta, *o_tb, *o_h, *o_steps,
        *o_state;
    Py_ssize_t M, n, N, K, P, nnz, Kmax;
    Py_complex gamma;
    Opts o;
    if (!PyArg_ParseTuple(args, "OOOOOnnnnnnDOOOnOOOOOOdddddl", &o_cval, &o_ccol, &o_crow, &o_par, &o_var, &nnz, &M,
                          &n, &N, &K, &P, &gamma, &o_patch, &o_Lc, &o_nf, &Kmax, &o_Z, &o_ta, &o_tb, &o_h, &o_steps,
                          &o_state, &o.hmax, &o.kappa, &o.tol, &o.hmin, &o.deadline, &o.max_steps))
        return NULL;
    o.deadline += now_monotonic(); /* given as the seconds left (clocks differ between platforms) */
    if (M < 1 || n < 0 || N < n || K != n + n * N || P < 0 || nnz < 0 || Kmax < 0) {
        PyErr_SetString(PyExc_ValueError, "ctrack: inconsistent sizes");
        return NULL;
    }
    enum { NB = 14 };
    Py_buffer b[NB];
    memset(b, 0, sizeof(b));
    PyObject *objs[NB] = {o_cval, o_ccol, o_crow, o_par, o_var, o_patch, o_Lc, o_nf,
                          o_Z, o_ta, o_tb, o_h, o_steps, o_state};
    const Py_ssize_t size[NB] = {16, 8, 8, 8, 8, 16, 16, 8, 16, 16, 16, 8, 8, 1};
    const Py_ssize_t count[NB] = {nnz, nnz, 2 * K + 1, M, M, (N - n) * N, n * Kmax * N, Kmax ? n : 0,
                                  P * N, P, P, P, P, P};
    const int wr[NB] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1};
    const char *names[NB] = {"cval", "ccol", "crow", "par", "var", "patch", "Lc", "nf",
                             "Z", "ta", "tb", "h", "steps", "state"};
    if (get_bufs(b, NB, objs, size, count, wr, names) < 0)
        return NULL;
    int ok = table_ok(b[1].buf, b[2].buf, b[3].buf, b[4].buf, nnz, 2 * K, M, N);
    const int64_t *nf = b[7].buf;
    for (Py_ssize_t e = 0; e < (Kmax ? n : 0) && ok; e++)
        ok = nf[e] >= 0 && nf[e] <= Kmax;
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "ctrack: index out of range");
        release_bufs(b, NB);
        return NULL;
    }
    Sys S;
    S.cval = b[0].buf;
    S.ccol = b[1].buf;
    S.crow = b[2].buf;
    S.par = b[3].buf;
    S.var = b[4].buf;
    S.M = M;
    S.n = n;
    S.N = N;
    S.K = K;
    S.gamma = gamma.real + gamma.imag * I;
    S.patch = b[5].buf;
    S.Lc = b[6].buf;
    S.nf = b[7].buf;
    S.Kmax = Kmax;
    cplx *mem = malloc(sizeof(cplx) * (size_t)(M + 2 * K + K + N * N + 2 * N + 7 * N + 2 * Kmax) + 1);
    if (mem == NULL) {
        release_bufs(b, NB);
        return PyErr_NoMemory();
    }
    S.W = mem;
    S.R = S.W + M;
    S.HH = S.R + 2 * K;
    S.A = S.HH + K;
    S.B = S.A + N * N;
    S.L = S.B + 2 * N;
    S.pre = S.L + Kmax;
    cplx *work = S.pre + Kmax;
    cplx *Z = b[8].buf;
    const cplx *ta = b[9].buf, *tb = b[10].buf;
    double *h = b[11].buf;
    int64_t *steps = b[12].buf;
    int8_t *state = b[13].buf;
    int interrupted = 0;
    PyThreadState *ts = PyEval_SaveThread();
    for (Py_ssize_t p = 0; p < P; p++) {
        if ((p & 31) == 31 && signals_pending(&ts)) {
            interrupted = 1;
            break;
        }
        if (now_monotonic() > o.deadline) {
            state[p] = -1;
            continue;
        }
        state[p] = (int8_t)track_one(&S, Z + p * N, ta[p], tb[p], &h[p], &steps[p], &o, work);
    }
    PyEval_RestoreThread(ts);
    free(mem);
    release_bufs(b, NB);
    if (interrupted)
        return NULL;
    Py_RETURN_NONE;
}

/* track_family(cval, ccol, crow, par, var, starts, nnz, M, n, Kc, P, c, p0, dp, Z, steps, state,
 *              kappa, tol, hmax, h0, hmin, floor, max_norm, seconds_left, max_steps, mode, m) -> None
 * mode 0, the coefficient family: the table has Kc * (1 + N) rows (N = n + 1), starts gives the equations'
 * terms; mode 1, the slice family (monodromy._Family): the table is F^h's (m * (1 + N) rows), the
 * parameters are (A, b) flattened, Kc = k n + k with k = n - m, and starts is not read.
 * p0 and dp are P x Kc (one parameter pair per path);
 * Z (P x N) and steps (P) are updated in place; state (P int8) receives the codes of fam_track_one. */
static PyObject *ctrack_track_family(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_cval, *o_ccol, *o_crow, *o_par, *o_var, *o_starts, *o_c, *o_p0, *o_dp, *o_Z, *o_steps, *o_state;
    Py_ssize_t nnz, M, n, Kc, P, m;
    int mode;
    FamOpts o;
    if (!PyArg_ParseTuple(args, "OOOOOOnnnnnOOOOOOddddddddlin", &o_cval, &o_ccol, &o_crow, &o_par, &o_var,
                          &o_starts, &nnz, &M, &n, &Kc, &P, &o_c, &o_p0, &o_dp, &o_Z, &o_steps, &o_state, &o.kappa,
                          &o.tol, &o.hmax, &o.h0, &o.hmin, &o.floor, &o.max_norm, &o.deadline, &o.max_steps, &mode,
                          &m))
        return NULL;
    o.deadline += now_monotonic(); /* given as the seconds left */
    const Py_ssize_t N = n + 1, k = n - m;
    if (M < 1 || n < 1 || Kc < 0 || P < 0 || nnz < 0 || (mode != 0 && mode != 1) ||
        (mode == 1 && (m < 0 || m > n || Kc != k * n + k))) {
        PyErr_SetString(PyExc_ValueError, "ctrack: inconsistent sizes");
        return NULL;
    }
    enum { NF = 12 };
    Py_buffer b[NF];
    memset(b, 0, sizeof(b));
    PyObject *objs[NF] = {o_cval, o_ccol, o_crow, o_par, o_var, o_starts, o_c, o_p0, o_dp, o_Z, o_steps, o_state};
    const Py_ssize_t size[NF] = {16, 8, 8, 8, 8, 8, 16, 16, 16, 16, 8, 1};
    const Py_ssize_t rows = mode ? m * (1 + N) : Kc * (1 + N);
    const Py_ssize_t count[NF] = {nnz, nnz, rows + 1, M, M, n + 1, N, P * Kc, P * Kc, P * N, P, P};
    const int wr[NF] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    const char *names[NF] = {"cval", "ccol", "crow", "par", "var", "starts", "c", "p0", "dp", "Z", "steps", "state"};
    if (get_bufs(b, NF, objs, size, count, wr, names) < 0)
        return NULL;
    int ok = table_ok(b[1].buf, b[2].buf, b[3].buf, b[4].buf, nnz, rows, M, N);
    const int64_t *st = b[5].buf;
    if (mode == 0) {
        ok = ok && st[0] == 0 && st[n] == Kc;
        for (Py_ssize_t i = 0; i < n && ok; i++)
            ok = st[i] <= st[i + 1];
    }
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "ctrack: index out of range");
        release_bufs(b, NF);
        return NULL;
    }
    Fam F;
    F.cval = b[0].buf;
    F.ccol = b[1].buf;
    F.crow = b[2].buf;
    F.par = b[3].buf;
    F.var = b[4].buf;
    F.starts = b[5].buf;
    F.M = M;
    F.n = n;
    F.N = N;
    F.Kc = Kc;
    F.c = b[6].buf;
    F.mode = mode;
    F.m = m;
    F.k = k;
    cplx *mem = malloc(sizeof(cplx) * (size_t)(M + rows + N * N + N + 6 * N) + 1);
    if (mem == NULL) {
        release_bufs(b, NF);
        return PyErr_NoMemory();
    }
    F.W = mem;
    F.V = F.W + M;
    F.A = F.V + rows;
    F.B = F.A + N * N;
    cplx *work = F.B + N;
    const cplx *p0 = b[7].buf, *dp = b[8].buf;
    cplx *Z = b[9].buf;
    int64_t *steps = b[10].buf;
    int8_t *state = b[11].buf;
    int interrupted = 0;
    PyThreadState *ts = PyEval_SaveThread();
    for (Py_ssize_t p = 0; p < P; p++) {
        if ((p & 31) == 31 && signals_pending(&ts)) {
            interrupted = 1;
            break;
        }
        state[p] = (int8_t)fam_track_one(&F, Z + p * N, p0 + p * Kc, dp + p * Kc, &o, &steps[p], work);
    }
    PyEval_RestoreThread(ts);
    free(mem);
    release_bufs(b, NF);
    if (interrupted)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"track", ctrack_track, METH_VARARGS, "Track paths of a fused homotopy table (see homotopy._track)."},
    {"track_family", ctrack_track_family, METH_VARARGS,
     "Track paths of the sparse start's coefficient family (see monodromy._track)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "ctrack", "Compiled path tracker (optional).", -1,
                                    methods, NULL, NULL, NULL, NULL};

/* Bumped with every change of track()'s arguments or rules; homotopy.py ignores a build whose ABI differs
 * (a stale build left by an editable install). */
#define CTRACK_ABI 5

PyMODINIT_FUNC PyInit_ctrack(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "ABI", CTRACK_ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
