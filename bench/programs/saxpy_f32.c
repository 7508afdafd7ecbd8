/* Single-precision loops that vectorise natively: saxpy, a scaled blend and
 * a first-order recursive filter run forward on rows (deriche-like), over
 * float arrays. */
#include <stdio.h>

#define N 4096
#define M 256
#define REPS 300

static float X[M][N], Y[M][N], Z[M][N], W[M][N];

int main(void)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            X[i][j] = (float)((i * 7 + j * 3) % 101) / 101.0f;
            Y[i][j] = (float)((i * 5 + j) % 97) / 97.0f;
        }
    for (int r = 0; r < REPS; r++) {
        float a = 0.5f + (float)r / REPS;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                Y[i][j] = a * X[i][j] + Y[i][j] * 0.75f;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                Z[i][j] = (X[i][j] - Y[i][j]) * (X[i][j] + Y[i][j]) / (1.0f + Y[i][j] * Y[i][j]);
        /* columns of a recursive filter: the recurrence runs down i, the
         * vectorisable dimension is j */
        for (int i = 1; i < M; i++)
            for (int j = 0; j < N; j++)
                W[i][j] = 0.25f * X[i][j] + 0.5f * Z[i][j] + 0.25f * W[i - 1][j];
    }
    double sum = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++)
            sum += (double)W[i][j] + (double)Y[i][j] * 0.5 + (double)Z[i][j] * 0.25;
    printf("saxpy_f32 %.6e\n", sum);
    return 0;
}
