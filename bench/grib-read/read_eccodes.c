/*
 * Child of bench/grib-read: decode every message of FILE N times with ecCodes (codes_handle_new_from_file,
 * codes_get_double_array "values"), print one JSON line like readNode.js. Compiled at bench time against
 * libeccodes-dev:  cc -O2 read_eccodes.c -leccodes
 */
#include <eccodes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double peak_rss_mib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kb = atof(line + 6);
  if (f) fclose(f);
  return kb / 1024;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int n = atoi(argv[2]);
  double *times = malloc(sizeof(double) * n);
  double checksum = 0;
  long values = 0;
  for (int i = 0; i < n; i++) {
    double t0 = now();
    FILE *in = fopen(argv[1], "rb");
    if (!in) return 1;
    int err = 0;
    codes_handle *h;
    values = 0;
    while ((h = codes_handle_new_from_file(NULL, in, PRODUCT_GRIB, &err)) != NULL) {
      size_t len = 0;
      codes_get_size(h, "values", &len);
      double *v = malloc(sizeof(double) * len);
      codes_get_double_array(h, "values", v, &len);
      checksum += v[len / 2];
      values += len;
      free(v);
      codes_handle_delete(h);
    }
    fclose(in);
    if (err) return 1;
    times[i] = now() - t0;
  }
  double total = 0;
  for (int i = 0; i < n; i++) total += times[i];
  qsort(times, n, sizeof(double), cmp);
  double med = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  printf("{\"median_s\":%.9f,\"total_s\":%.9f,\"values\":%ld,\"checksum\":%.6f,\"peak_rss_mib\":%.2f}\n", med, total,
         values, checksum, peak_rss_mib());
  return 0;
}
