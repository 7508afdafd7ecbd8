/* Dense double-precision matrix multiply, C = alpha*A*B + beta*C (PolyBench
 * gemm's loop order: i, k, j, so the inner loop is a contiguous axpy that
 * vectorises natively). Prints a checksum of C. */
#include <stdio.h>

#define N 512
#define REPS 10

static double A[N][N], B[N][N], C[N][N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)((i * j + 1) % N) / N;
            B[i][j] = (double)((i * (j + 2)) % N) / N;
            C[i][j] = (double)((i + j) % N) / N;
        }
    const double alpha = 1.5, beta = 0.5;
    for (int r = 0; r < REPS; r++)
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++)
                C[i][j] *= beta;
            for (int k = 0; k < N; k++) {
                double a = alpha * A[i][k];
                for (int j = 0; j < N; j++)
                    C[i][j] += a * B[k][j];
            }
        }
    double sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            sum += C[i][j] * (double)((i + 3 * j) % 7);
    printf("gemm %.10e\n", sum);
    return 0;
}
