#include "docset/pdfpage.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/limits.h"

#ifdef UCHET_HAVE_POPPLER
#include <cairo.h>
#include <poppler.h>
#endif

/* The child's limits: written once at start (pdfpage_set_limits), before
 * any child runs; only read afterwards. */
static int cpu_limit_s = LIMIT_DOCSET_PDF_CPU_S;
static int wall_limit_s = LIMIT_DOCSET_PDF_WALL_S;

void pdfpage_set_limits(int cpu_s, int wall_s)
{
    cpu_limit_s = cpu_s < 1 ? 1 : cpu_s; /* never 0: alarm(0) would be no alarm */
    wall_limit_s = wall_s < 1 ? 1 : wall_s;
}

#ifdef UCHET_HAVE_POPPLER

static int unreadable(err_t *err)
{
    return err_set(err, -EINVAL, "pdf_unreadable",
        "The PDF cannot be opened (damaged, protected or too complex): send photos of its pages.");
}

/* The answer on the pipe: a header, then width * height grey bytes. */
struct answer {
    int32_t status; /* 0 ok, 1 unreadable */
    int32_t pages;
    uint32_t width, height, ppi;
};

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            _exit(3);
        c += w;
        n -= (size_t)w;
    }
}

/* The child's confinement: nothing open but the pipe, bounded memory, CPU
 * and time. */
static void confine(int keep)
{
    long maxfd = sysconf(_SC_OPEN_MAX);
    for (int fd = 0; fd < (maxfd > 0 ? maxfd : 1024); fd++)
        if (fd != keep)
            close(fd);
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    rlim_t as = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + LIMIT_DOCSET_PDF_MEM_BYTES;
    struct rlimit rl_as = {as, as}, rl_cpu = {(rlim_t)cpu_limit_s, (rlim_t)cpu_limit_s};
    setrlimit(RLIMIT_AS, &rl_as);
    setrlimit(RLIMIT_CPU, &rl_cpu);
    alarm((unsigned)wall_limit_s);
}

static void render_into(PopplerPage *page, int fd, struct answer *a)
{
    double wpt, hpt;
    poppler_page_get_size(page, &wpt, &hpt);
    double scale = LIMIT_DOCSET_PDF_DPI / 72.0;
    double px = wpt * scale * hpt * scale;
    if (px > LIMIT_DOCSET_PAGE_PIXELS)
        scale *= sqrt(LIMIT_DOCSET_PAGE_PIXELS / px);
    int w = (int)(wpt * scale), h = (int)(hpt * scale);
    if (w < 1 || h < 1 || w > LIMIT_DOCSET_PAGE_SIDE || h > LIMIT_DOCSET_PAGE_SIDE)
        _exit(4);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render_for_printing(page, cr);
    cairo_surface_flush(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        _exit(4);
    a->width = (uint32_t)w;
    a->height = (uint32_t)h;
    a->ppi = (uint32_t)lround(scale * 72.0);
    write_all(fd, a, sizeof *a);
    const unsigned char *px8 = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *row = malloc((size_t)w);
    if (!row)
        _exit(4);
    for (int y = 0; y < h; y++) {
        const uint32_t *p = (const uint32_t *)(px8 + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t v = p[x];
            row[x] = (unsigned char)((299 * ((v >> 16) & 255) + 587 * ((v >> 8) & 255) + 114 * (v & 255)) / 1000);
        }
        write_all(fd, row, (size_t)w);
    }
}

/* Counting also draws every page small: what a page would cost to render
 * (its content streams, its images decompressed) is paid here, inside the
 * limits, so a bomb is refused at intake rather than stored. */
static void rehearse(PopplerDocument *doc, int pages)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 64, 64);
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            _exit(5);
        double wpt, hpt;
        poppler_page_get_size(page, &wpt, &hpt);
        if (!(wpt > 0 && hpt > 0))
            _exit(5);
        cairo_t *cr = cairo_create(s);
        cairo_scale(cr, 64.0 / wpt, 64.0 / hpt);
        poppler_page_render_for_printing(page, cr);
        cairo_destroy(cr);
        g_object_unref(page);
    }
    cairo_surface_destroy(s);
}

/* The child: opens the PDF, answers, exits (never returns). */
static void child(const uint8_t *pdf, size_t len, int index, int fd)
{
    confine(fd);
    struct answer a = {.status = 1};
    GBytes *bytes = g_bytes_new_static(pdf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
    if (!doc) {
        write_all(fd, &a, sizeof a);
        _exit(0);
    }
    a.pages = poppler_document_get_n_pages(doc);
    a.status = 0;
    if (index < 0 && a.pages <= LIMIT_DOCSET_PDF_PAGES)
        rehearse(doc, a.pages);
    if (index < 0 || a.pages > LIMIT_DOCSET_PDF_PAGES || index >= a.pages) {
        write_all(fd, &a, sizeof a);
        _exit(0);
    }
    PopplerPage *page = poppler_document_get_page(doc, index);
    if (!page) {
        a.status = 1;
        write_all(fd, &a, sizeof a);
        _exit(0);
    }
    render_into(page, fd, &a);
    _exit(0);
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Runs the child; *ret_a is its answer, *ret (when index >= 0) its pixels. */
static int run_child(const uint8_t *pdf, size_t len, int index, struct answer *ret_a, raster_t **ret, err_t *err)
{
    int fds[2];
    if (pipe(fds) < 0)
        return err_set(err, -EIO, "pdf_unreadable", "No pipe for the PDF reader.");
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_set(err, -EAGAIN, "overloaded", "The PDF reader could not start: try again.");
    }
    if (pid == 0)
        child(pdf, len, index, fds[1]);
    close(fds[1]);
    raster_t *img = NULL;
    int r = read_all(fds[0], ret_a, sizeof *ret_a) < 0 || ret_a->status != 0 ? -1 : 0;
    if (r == 0 && index >= 0 && index < ret_a->pages && ret_a->pages <= LIMIT_DOCSET_PDF_PAGES) {
        uint64_t px = (uint64_t)ret_a->width * ret_a->height;
        if (px == 0 || px > LIMIT_DOCSET_PAGE_PIXELS || raster_new(ret_a->width, ret_a->height, 1, 255, &img) < 0 ||
            read_all(fds[0], img->pix, (size_t)px) < 0)
            r = -1;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        raster_free(img);
        return unreadable(err);
    }
    if (img)
        img->ppi = ret_a->ppi;
    *ret = img;
    return 0;
}

static int too_many(err_t *err)
{
    return err_set(
        err, -E2BIG, "pdf_too_many_pages", "A PDF may have at most %d pages: split it.", LIMIT_DOCSET_PDF_PAGES);
}

int pdfpage_count(const uint8_t *pdf, size_t len, int *ret_pages, err_t *err)
{
    struct answer a;
    raster_t *none = NULL;
    int r = run_child(pdf, len, -1, &a, &none, err);
    if (r < 0)
        return r;
    if (a.pages < 1)
        return unreadable(err);
    if (a.pages > LIMIT_DOCSET_PDF_PAGES)
        return too_many(err);
    *ret_pages = a.pages;
    return 0;
}

int pdfpage_render(const uint8_t *pdf, size_t len, int index, raster_t **ret, err_t *err)
{
    struct answer a;
    raster_t *img = NULL;
    int r = run_child(pdf, len, index, &a, &img, err);
    if (r < 0)
        return r;
    if (a.pages > LIMIT_DOCSET_PDF_PAGES)
        return too_many(err);
    if (!img)
        return unreadable(err);
    *ret = img;
    return 0;
}

#else

int pdfpage_count(const uint8_t *pdf, size_t len, int *ret_pages, err_t *err)
{
    (void)pdf, (void)len, (void)ret_pages;
    return err_set(err, -ENOTSUP, "pdf_unsupported", "This server takes photos only (JPEG or PNG), not PDF.");
}

int pdfpage_render(const uint8_t *pdf, size_t len, int index, raster_t **ret, err_t *err)
{
    (void)pdf, (void)len, (void)index, (void)ret;
    return err_set(err, -ENOTSUP, "pdf_unsupported", "This server takes photos only (JPEG or PNG), not PDF.");
}

#endif
