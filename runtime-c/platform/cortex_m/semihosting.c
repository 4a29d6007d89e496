/* onnx2mcu runtime: console, host files and exit through Arm semihosting (QEMU
 * -semihosting-config enable=on,target=native).
 *
 * Text goes to the host's stdout through the special file ":tt" opened for writing (SYS_WRITE0
 * would go to QEMU's stderr). Files are relative to QEMU's working directory. The exit uses
 * SYS_EXIT_EXTENDED, because plain SYS_EXIT can only report success or failure and the runner
 * needs the exact status. */
#include <stdint.h>

#include "onnx2mcu/platform.h"

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_EXIT_EXTENDED = 0x20
};

/* SYS_OPEN modes are indices into fopen's mode strings: "r", "rb", "r+", "r+b", "w", "wb", ... */
enum { OPEN_READ_BINARY = 1, OPEN_WRITE_TEXT = 4, OPEN_WRITE_BINARY = 5 };

/* The reason code SYS_EXIT_EXTENDED expects for a normal application exit. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t semihost_call(int32_t operation, const void *argument) {
  register int32_t r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static size_t text_length(const char *text) {
  size_t length = 0;
  while (text[length] != '\0') {
    ++length;
  }
  return length;
}

static int32_t open_file(const char *path, uint32_t mode) {
  const uint32_t arguments[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)text_length(path)};
  return semihost_call(SYS_OPEN, arguments);
}

static void close_file(int32_t handle) {
  const uint32_t arguments[1] = {(uint32_t)handle};
  (void)semihost_call(SYS_CLOSE, arguments);
}

/* SYS_WRITE and SYS_READ answer with the number of bytes NOT transferred. */
static size_t write_file(int32_t handle, const void *buffer, size_t bytes) {
  const uint32_t arguments[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buffer, (uint32_t)bytes};
  const int32_t left = semihost_call(SYS_WRITE, arguments);
  return left < 0 ? 0 : bytes - (size_t)left;
}

static size_t read_file(int32_t handle, void *buffer, size_t bytes) {
  uint8_t *cursor = buffer;
  size_t done = 0;
  /* A host may return short reads before the end of the file; only a zero-byte read means EOF. */
  while (done < bytes) {
    const uint32_t arguments[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)(cursor + done),
                                   (uint32_t)(bytes - done)};
    const int32_t left = semihost_call(SYS_READ, arguments);
    if (left < 0 || (size_t)left >= bytes - done) {
      break;
    }
    done += (bytes - done) - (size_t)left;
  }
  return done;
}

static int32_t console_handle = -1;

void o2m_print(const char *text) {
  if (console_handle < 0) {
    console_handle = open_file(":tt", OPEN_WRITE_TEXT);
  }
  (void)write_file(console_handle, text, text_length(text));
}

int o2m_file_read(const char *path, void *buffer, size_t bytes) {
  const int32_t handle = open_file(path, OPEN_READ_BINARY);
  if (handle < 0) {
    return -1;
  }
  const size_t got = read_file(handle, buffer, bytes);
  close_file(handle);
  return got == bytes ? 0 : -1;
}

int o2m_file_exists(const char *path) {
  const int32_t handle = open_file(path, OPEN_READ_BINARY);
  if (handle < 0) {
    return 0;
  }
  close_file(handle);
  return 1;
}

int o2m_file_write(const char *path, const void *buffer, size_t bytes) {
  const int32_t handle = open_file(path, OPEN_WRITE_BINARY);
  if (handle < 0) {
    return -1;
  }
  const size_t written = bytes > 0 ? write_file(handle, buffer, bytes) : 0;
  close_file(handle);
  return written == bytes ? 0 : -1;
}

int o2m_file_open_read(const char *path) {
  const int32_t handle = open_file(path, OPEN_READ_BINARY);
  return handle < 0 ? -1 : (int)handle;
}

size_t o2m_file_read_chunk(int handle, void *buffer, size_t bytes) {
  return read_file((int32_t)handle, buffer, bytes);
}

void o2m_file_close(int handle) {
  close_file((int32_t)handle);
}

void o2m_exit(int status) {
  const uint32_t arguments[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  (void)semihost_call(SYS_EXIT_EXTENDED, arguments);
  /* Only reached if the host ignored the request; stopping here beats running on. */
  for (;;) {
  }
}
