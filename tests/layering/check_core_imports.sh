#!/bin/sh
# Fails when liblium-core imports an I/O, environment, clock, randomness or
# process symbol.  Works on the shared object (dynamic imports) and on the
# static archive (undefined symbols not defined by another member).
#
# usage: check_core_imports.sh <liblium-core.so|liblium-core.a>
set -eu
lib=$1
[ -f "$lib" ] || { echo "check_core_imports: no such file: $lib" >&2; exit 2; }

case "$lib" in
*.a)
	undef=$(nm -u "$lib" 2>/dev/null | awk 'NF>=2 {print $2}' | sort -u)
	def=$(nm --defined-only "$lib" 2>/dev/null | awk 'NF>=3 {print $3}' | sort -u)
	imports=$(printf '%s\n' "$undef" | grep -vxF -e "$def" || true)
	;;
*)
	imports=$(nm -D --undefined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
	;;
esac

# Denied: files and descriptors, sockets, the environment, clocks and time
# zones, randomness, processes and signals, dynamic loading, terminal output.
deny='open openat open64 creat fopen fopen64 fdopen freopen fclose fread fwrite fgets fgetc getc
getline getdelim fputs fputc putc puts putchar printf fprintf vprintf vfprintf dprintf perror fflush
read write pread pwrite readv writev close lseek stat fstat lstat fstatat access mkdir rmdir unlink
rename link symlink readlink opendir readdir closedir chdir getcwd chmod chown truncate ftruncate
mmap munmap ioctl fcntl pipe dup dup2 select poll epoll_wait
socket connect bind listen accept accept4 send recv sendto recvfrom sendmsg recvmsg getaddrinfo
gethostbyname shutdown setsockopt
getenv secure_getenv setenv unsetenv putenv clearenv
time clock_gettime gettimeofday clock times localtime localtime_r mktime tzset gmtime gmtime_r
ctime asctime strftime timegm
rand rand_r srand random srandom drand48 lrand48 arc4random getrandom getentropy
fork vfork execv execve execvp execl execlp system popen pclose posix_spawn posix_spawnp
waitpid wait kill raise signal sigaction abort exit _exit
sleep usleep nanosleep pthread_create dlopen dlsym syslog'

bad=""
for sym in $imports; do
	base=$(printf '%s' "$sym" | sed -e 's/^__isoc99_//' -e 's/^__\(.*\)_chk$/\1/' -e 's/64$//')
	for d in $deny; do
		if [ "$base" = "$d" ] || [ "$sym" = "$d" ]; then
			bad="$bad $sym"
		fi
	done
done

if [ -n "$bad" ]; then
	echo "liblium-core imports forbidden symbols:$bad" >&2
	echo "(core must stay free of I/O, environment, clock, randomness and processes)" >&2
	exit 1
fi
echo "liblium-core imports no I/O symbol ($(printf '%s\n' "$imports" | grep -c . || true) imports checked)"
