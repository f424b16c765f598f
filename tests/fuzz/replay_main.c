/* SPDX-License-Identifier: MIT */
/*
 * A main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once over each file named on the command line,
 * and over every regular file below each directory named (in sorted
 * order), so `make test` replays the corpus under AddressSanitizer and
 * UndefinedBehaviorSanitizer with any compiler.  Each file name is printed
 * before it runs, so the last one shown before a sanitizer report or an
 * abort is the culprit.  Exit status: 0 when every input ran, 1 on an
 * unreadable file or an empty corpus, 2 on bad usage.
 *
 *   replay [-q] FILE|DIR...     (-q: print only the summary line)
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Weak: only some targets define an initialiser. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static bool quiet;
static unsigned long runs;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	long size;
	int r = 1;

	if (!f) {
		perror(path);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	/* Exactly size bytes, so a read past the input is caught. */
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || (size && fread(buf, 1, (size_t)size, f) != (size_t)size))
		goto out;
	if (!quiet)
		fprintf(stderr, "replay: %s (%ld bytes)\n", path, size);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	runs++;
	r = 0;
out:
	if (r)
		fprintf(stderr, "replay: cannot read '%s'\n", path);
	free(buf);
	fclose(f);
	return r;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st)) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? run_file(path) : 0;
	n = scandir(path, &names, NULL, cmp_names);
	if (n < 0) {
		perror(path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.' &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name) < (int)sizeof(sub))
			r |= run_path(sub);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	int first = 1, r = 0;

	if (argc > 1 && !strcmp(argv[1], "-q")) {
		quiet = true;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-q] FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = first; i < argc; i++)
		r |= run_path(argv[i]);
	fprintf(stderr, "replay: %lu inputs\n", runs);
	if (runs == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	return r ? 1 : 0;
}
