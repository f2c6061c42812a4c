/*
 * GPU type extraction from machine names, following the rules of the
 * official client (API reference, section 5.3).
 */
#include <stdio.h>
#include <string.h>

#include "lium/core/format.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

/* Rule 1: "RTX" + spaces + 4 digits. */
static int rule_rtx(const char *name, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		size_t j = i + 3;

		if (upper(name[i]) != 'R' || upper(name[i + 1]) != 'T' || upper(name[i + 2]) != 'X')
			continue;
		while (name[j] == ' ')
			j++;
		if (count_digits(name + j) >= 4) {
			snprintf(out, outsz, "RTX%.4s", name + j);
			return 1;
		}
	}
	return 0;
}

/* Rule 2: H/B/L + 2-3 digits + optional S; rule 3: A + 2-4 digits.  Like a
 * regex search, the first position where the pattern matches wins; the
 * digit run is greedy within its bounds. */
static int rule_letter(const char *name, const char *letters, size_t min, size_t max, int allow_s,
		       char *out, size_t outsz)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		size_t n;

		if (!strchr(letters, upper(name[i])) || name[i] == '\0')
			continue;
		n = count_digits(name + i + 1);
		if (n < min)
			continue;
		if (n > max)
			n = max;
		if (allow_s && upper(name[i + 1 + n]) == 'S')
			snprintf(out, outsz, "%c%.*s%c", name[i], (int)n, name + i + 1,
				 name[i + 1 + n]);
		else
			snprintf(out, outsz, "%c%.*s", name[i], (int)n, name + i + 1);
		return 1;
	}
	return 0;
}

int lium_gpu_type_extract(const char *name, char *out, size_t outsz)
{
	const char *last, *end;

	if (!out || !outsz)
		return 0;
	if (!name)
		name = "";
	if (rule_rtx(name, out, outsz) || rule_letter(name, "HBL", 2, 3, 1, out, outsz) ||
	    rule_letter(name, "A", 2, 4, 0, out, outsz))
		return 1;

	/* Last whitespace-separated word. */
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	last = end;
	while (last > name && last[-1] != ' ' && last[-1] != '\t' && last[-1] != '\n')
		last--;
	if (last == end)
		snprintf(out, outsz, "Unknown");
	else
		snprintf(out, outsz, "%.*s", (int)(end - last), last);
	return 0;
}
