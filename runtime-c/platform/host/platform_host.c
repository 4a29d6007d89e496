/* onnx2mcu runtime: the platform on a hosted C library, for the host build of the harness
 * (conformance tests, sanitizers). Nothing is counted: the host has no meaningful instruction
 * count or painted stack, so both report 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "onnx2mcu/platform.h"

void o2m_platform_init(void) {}

int o2m_file_read(const char *path, void *buffer, size_t bytes) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return -1;
  }
  const size_t got = bytes > 0 ? fread(buffer, 1, bytes, file) : 0;
  fclose(file);
  return got == bytes ? 0 : -1;
}

int o2m_file_exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return 0;
  }
  fclose(file);
  return 1;
}

int o2m_file_write(const char *path, const void *buffer, size_t bytes) {
  FILE *file = fopen(path, "wb");
  if (file == NULL) {
    return -1;
  }
  const size_t written = bytes > 0 ? fwrite(buffer, 1, bytes, file) : 0;
  const int closed = fclose(file);
  return written == bytes && closed == 0 ? 0 : -1;
}

/* Handles are indices into this table, so that both platforms can share an int handle. */
#define MAX_OPEN_FILES 8
static FILE *open_files[MAX_OPEN_FILES];

int o2m_file_open_read(const char *path) {
  for (int handle = 0; handle < MAX_OPEN_FILES; ++handle) {
    if (open_files[handle] == NULL) {
      open_files[handle] = fopen(path, "rb");
      return open_files[handle] != NULL ? handle : -1;
    }
  }
  return -1;
}

size_t o2m_file_read_chunk(int handle, void *buffer, size_t bytes) {
  if (handle < 0 || handle >= MAX_OPEN_FILES || open_files[handle] == NULL || bytes == 0) {
    return 0;
  }
  return fread(buffer, 1, bytes, open_files[handle]);
}

void o2m_file_close(int handle) {
  if (handle >= 0 && handle < MAX_OPEN_FILES && open_files[handle] != NULL) {
    fclose(open_files[handle]);
    open_files[handle] = NULL;
  }
}

void o2m_print(const char *text) {
  fputs(text, stdout);
}

void o2m_print_u64(uint64_t value) {
  printf("%llu", (unsigned long long)value);
}

void o2m_print_i32(int32_t value) {
  printf("%ld", (long)value);
}

void o2m_print_i64(int64_t value) {
  printf("%lld", (long long)value);
}

void o2m_print_f32(float value) {
  if (value != value) {
    fputs("nan", stdout);
  } else {
    /* printf spells infinities "inf" / "-inf" already. */
    printf("%.8e", (double)value);
  }
}

void o2m_counter_start(void) {}

uint64_t o2m_counter_stop(void) {
  return 0;
}

uint64_t o2m_counter_ticks(void) {
  return 0;
}

uint64_t o2m_counter_ticks_to_instructions(uint64_t ticks) {
  (void)ticks;
  return 0;
}

uint32_t o2m_stack_peak_bytes(void) {
  return 0;
}

void o2m_exit(int status) {
  fflush(stdout);
  exit(status);
}
