/* The byte layout of a trace file (v1 and v2 share it) (formats/FORMAT.md is the spec): the
 * file header, chunk headers, index entries and the trailer, with their
 * encoders and checked decoders. No I/O here. */
#ifndef HVT_FORMATS_LAYOUT_H
#define HVT_FORMATS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define HVT_FORMAT_V1 1    /* events payload row by row: formats/codec.c */
#define HVT_FORMAT_V2 2    /* events payload in columns: formats/columns*.c */
#define HVT_FORMAT_MAJOR HVT_FORMAT_V2     /* what writers write unless asked */
#define HVT_FORMAT_MAJOR_MAX HVT_FORMAT_V2 /* the newest major this build reads */
#define HVT_FORMAT_MINOR 0

#define HVT_FILE_MAGIC "\x89HVT\r\n\x1a\n"
#define HVT_TRAILER_MAGIC "\x89HVTEND\n"
#define HVT_CHUNK_MAGIC 0x43545648u /* "HVTC" read little-endian */

#define HVT_FILE_HEADER_BYTES 64u
#define HVT_CHUNK_HEADER_BYTES 72u
#define HVT_INDEX_ENTRY_BYTES (8u + HVT_CHUNK_HEADER_BYTES)
#define HVT_TRAILER_BYTES 32u

/* Bounds a reader enforces before using a length. */
#define HVT_MAX_CHUNK_RAW (32u << 20)   /* decoded payload of one chunk */
#define HVT_MAX_META_BYTES (16u << 20)  /* all metadata together */
#define HVT_MAX_BLOB_BYTES (256u << 20) /* one blob (a guest image) */
#define HVT_MAX_KEY_BYTES 255u
#define HVT_MIN_EVENT_BYTES 2u          /* type + field mask */

#define HVT_CODEC_RAW 0
#define HVT_CODEC_ZSTD 1

#define HVT_CLOCK_MONOTONIC 1u

struct hvt_file_header {
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t flags;
	uint64_t created_unix_ns;  /* wall clock at creation */
	uint32_t clock_id;         /* HVT_CLOCK_MONOTONIC */
	uint64_t time_origin_ns;   /* clock value that event time 0 stands for */
};

struct hvt_chunk_header {
	uint8_t type;              /* enum hvt_chunk_type */
	uint8_t codec;             /* HVT_CODEC_* */
	uint16_t flags;
	uint32_t stream;
	uint32_t stored_bytes;     /* payload bytes following the header */
	uint32_t raw_bytes;        /* payload bytes after decompression */
	uint32_t events;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t first_time_ns;
	uint64_t last_time_ns;
	uint64_t payload_hash;     /* XXH3-64 of the stored payload */
};

struct hvt_trailer {
	uint64_t index_offset;     /* file offset of the index chunk header */
	uint64_t chunk_count;      /* entries in the index */
};

void hvt_file_header_encode(const struct hvt_file_header *h, uint8_t out[HVT_FILE_HEADER_BYTES]);
/* 0, HVT_E_BAD_MAGIC, HVT_E_BAD_VERSION or HVT_E_HEADER_CHECKSUM. */
int hvt_file_header_decode(const uint8_t in[HVT_FILE_HEADER_BYTES], struct hvt_file_header *h);

void hvt_chunk_header_encode(const struct hvt_chunk_header *h, uint8_t out[HVT_CHUNK_HEADER_BYTES]);
/* Checks magic, checksum and every bound that does not need the file:
 * 0 or a negative HVT_E_*; *why gets a constant explanation on failure. */
int hvt_chunk_header_decode(const uint8_t in[HVT_CHUNK_HEADER_BYTES], struct hvt_chunk_header *h,
			    const char **why);

void hvt_trailer_encode(const struct hvt_trailer *t, uint8_t out[HVT_TRAILER_BYTES]);
/* 1 if in holds a valid trailer, 0 if the magic is absent, HVT_E_HEADER_CHECKSUM
 * if the magic is there but the checksum fails. */
int hvt_trailer_decode(const uint8_t in[HVT_TRAILER_BYTES], struct hvt_trailer *t);

/* Upper bound of a zstd frame holding HVT_MAX_CHUNK_RAW bytes. */
uint32_t hvt_max_stored_bytes(void);

#endif
