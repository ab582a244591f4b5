/*
 * Log line generator for `npm run bench:e2e`: runs in a container built FROM scratch
 * (compiled -O2 -static on the host) and writes lines to stdout at a controlled rate.
 *
 *   lwgen <control file> <progress file>
 *
 * The control file holds "<seq> <lines per second> <match ratio> <notify every>"; the
 * generator reads it every 100 ms and takes a new line when <seq> changes (rate 0:
 * idle, writing nothing). Until the file exists it waits. Lines mirror the matcher
 * bench's corpus (bench/matcher.ts): access-log, logfmt and JSON lines of ~120 bytes,
 * and a share <match ratio> of lines that match one of its 100 rules, cycling through
 * them. Every matching line carries its CLOCK_REALTIME send time as `sent=<ns>`; every
 * <notify every>-th one also the word `notify` (what the bench's webhook trigger takes).
 * The progress file gets the cumulative count of lines written (20 digits at offset 0)
 * every 50 ms: that, not the nominal rate, is what "written" means in the bench.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RULES 100
#define BUF (1 << 20)

static char out[BUF];
static size_t used;
static uint64_t state = 88172645463325252ULL;

static uint64_t next_rand(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

static uint64_t now_ns(int clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void flush_out(void) {
  size_t off = 0;
  while (off < used) {
    ssize_t n = write(1, out + off, used - off);
    if (n <= 0) _exit(1);
    off += (size_t)n;
  }
  used = 0;
}

static void plain_line(void) {
  uint64_t id = next_rand() % 1000000000ULL;
  unsigned r = (unsigned)(next_rand() % 10);
  int n;
  if (r < 4)
    n = snprintf(out + used, BUF - used,
                 "10.1.%llu.%llu - - [25/Nov/2026:10:00:00 +0000] \"GET /shop/item/%llu HTTP/1.1\" 200 %llu\n",
                 (unsigned long long)(id % 255), (unsigned long long)(id % 7),
                 (unsigned long long)id, (unsigned long long)(id % 9000));
  else if (r < 7)
    n = snprintf(out + used, BUF - used,
                 "level=info msg=\"request served\" path=/cart/%llu status=200 took=%lluus user=%llu\n",
                 (unsigned long long)id, (unsigned long long)(id % 900),
                 (unsigned long long)(id % 777));
  else
    n = snprintf(out + used, BUF - used,
                 "{\"ts\":\"2026-11-25T10:00:00Z\",\"level\":\"info\",\"msg\":\"cache hit\",\"key\":\"k%llu\",\"size\":%llu}\n",
                 (unsigned long long)id, (unsigned long long)(id % 4096));
  used += (size_t)n;
}

static void matching_line(unsigned rule, uint64_t sent, int notify) {
  uint64_t id = next_rand() % 1000000ULL;
  const char *tail = notify ? " notify" : "";
  int n;
  switch (rule % 4) {
  case 0:
    n = snprintf(out + used, BUF - used,
                 "level=error msg=\"job failure code=%u disk\" job=%llu sent=%llu%s\n", rule,
                 (unsigned long long)id, (unsigned long long)sent, tail);
    break;
  case 1:
    n = snprintf(out + used, BUF - used, "panic: worker-%u nil_pointer goroutine=%llu sent=%llu%s\n",
                 rule, (unsigned long long)id, (unsigned long long)sent, tail);
    break;
  case 2:
    n = snprintf(out + used, BUF - used,
                 "level=warn msg=\"timeout after %llums op=%u\" retry=true sent=%llu%s\n",
                 (unsigned long long)(id % 5000), rule, (unsigned long long)sent, tail);
    break;
  default:
    n = snprintf(out + used, BUF - used,
                 "10.0.%llu.1 - - \"GET /api/v%u/items HTTP/1.1\" status=503 route=/api/v%u/ sent=%llu%s\n",
                 (unsigned long long)(id % 255), rule, rule, (unsigned long long)sent, tail);
  }
  used += (size_t)n;
}

struct control {
  long seq;
  double rate;
  double ratio;
  long notify_every;
};

static int read_control(const char *path, struct control *c) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  struct control next;
  if (sscanf(buf, "%ld %lf %lf %ld", &next.seq, &next.rate, &next.ratio, &next.notify_every) != 4)
    return 0;
  *c = next;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    static const char usage[] = "usage: lwgen <control file> <progress file>\n";
    write(2, usage, sizeof usage - 1);
    return 2;
  }
  const char *control_path = argv[1];
  int progress = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (progress < 0) return 1;
  state ^= (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL ^ now_ns(CLOCK_REALTIME);

  struct control c = {-1, 0, 0, 1};
  uint64_t written = 0, written_at_start = 0, matched = 0;
  uint64_t start = 0, last_control = 0, last_progress = 0;
  /* Matching lines are spread evenly: one every 1/ratio lines, with a random phase. */
  double match_credit = 0;
  /* A tick a line at low rates (a generator at 100 lines/s wakes 100 times a second, as
   * a program writing line by line does), one a millisecond with a batch at high rates:
   * fifty generators ticking every millisecond cost about a core of the two measured. */
  struct timespec tick = {0, 1000000};
  /* Idle, only the control file is watched: hundreds of idle generators ticking every
   * millisecond would load the machine they measure. */
  const struct timespec idle_tick = {0, 100000000};
  for (;;) {
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    if (now - last_control >= 100000000ULL) {
      last_control = now;
      struct control next;
      if (read_control(control_path, &next) && next.seq != c.seq) {
        c = next;
        if (c.rate > 0) {
          double ns = 1e9 / c.rate;
          tick.tv_nsec = ns < 1e6 ? 1000000 : ns > 5e7 ? 50000000 : (long)ns;
        }
        start = now;
        written_at_start = written;
        match_credit = (double)(next_rand() % 1000) / 1000.0;
      }
    }
    if (c.rate > 0) {
      uint64_t due = (uint64_t)((double)(now - start) / 1e9 * c.rate);
      uint64_t sent = now_ns(CLOCK_REALTIME);
      /* Never more than 1/20 s of lines in one write: a stalled pipe must not make a burst. */
      uint64_t max_batch = (uint64_t)(c.rate / 20) + 1;
      uint64_t batch = 0;
      while (written - written_at_start < due && batch < max_batch && used < BUF - 512) {
        match_credit += c.ratio;
        if (match_credit >= 1) {
          match_credit -= 1;
          matched++;
          int notify = c.notify_every > 0 && matched % (uint64_t)c.notify_every == 0;
          matching_line((unsigned)(matched % RULES), sent, notify);
        } else {
          plain_line();
        }
        written++;
        batch++;
      }
      if (used) flush_out();
      /* Behind schedule by more than 1 s (the pipe blocked): drop the debt, do not burst. */
      if (due > written - written_at_start + (uint64_t)c.rate)
        written_at_start = written - (uint64_t)((double)(now - start) / 1e9 * c.rate) + (uint64_t)c.rate;
    }
    if (now - last_progress >= 50000000ULL) {
      last_progress = now;
      char buf[24];
      int n = snprintf(buf, sizeof buf, "%020llu\n", (unsigned long long)written);
      pwrite(progress, buf, (size_t)n, 0);
    }
    nanosleep(c.rate > 0 ? &tick : &idle_tick, NULL);
  }
}
