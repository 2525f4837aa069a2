/* Runs a fuzz target's entry point on every file of the given corpus
 * directories or files, without libFuzzer: the committed corpus and every
 * saved crash input stay in the test suite (zstd's regression_driver idea). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len ? len : 1);
	int bad = !buf || fread(buf, 1, len, f) != len;
	fclose(f);
	if (!bad)
		LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return bad;
}

static int run_dir(const char *dir, unsigned *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int bad = 0;
	char path[4096];
	if (!d)
		return run_file(dir) == 0 ? ((*n)++, 0) : 1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		bad |= run_file(path);
		(*n)++;
	}
	closedir(d);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++)
		bad |= run_dir(argv[i], &n);
	printf("%u inputs run, %s\n", n, bad ? "some unreadable" : "no crash");
	return bad || n == 0;
}
