/* boardstate_file.c — loads and saves the remembered board state, and
 * moves it between the file's form and the board (see boardstate_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "boardstate_file.h"
#include "calltop/log.h"

ct_err ct_board_state_path(char *buf, size_t cap, bool demo, ct_error *err)
{
    /* XDG: a relative XDG_STATE_HOME is invalid and must be ignored */
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    const char *file = demo ? "state-demo" : "state";
    if (xdg && xdg[0] == '/') n = snprintf(buf, cap, "%s/calltop/%s", xdg, file);
    else if (home && home[0] == '/')
        n = snprintf(buf, cap, "%s/.local/state/calltop/%s", home, file);
    else
        return ct_error_set(
            err, CT_ECONFIG,
            "no absolute XDG_STATE_HOME or HOME: the board state is not remembered");
    if (n < 0 || (size_t)n >= cap)
        return ct_error_set(err, CT_ECONFIG, "the state file's path is too long");
    return CT_OK;
}

ct_err ct_board_state_load(const char *path, ct_board_state *s, bool *found, ct_error *err)
{
    ct_board_state_defaults(s);
    *found = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return CT_OK;
        return ct_error_set(err, CT_EIO, "%s: %s", path, strerror(errno));
    }
    *found = true;
    static char text[CT_BOARD_STATE_MAX_BYTES + 1];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, text + len, sizeof text - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return ct_error_set(err, CT_EIO, "%s: %s", path, strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len == sizeof text) break;
    }
    close(fd);
    if (len > CT_BOARD_STATE_MAX_BYTES)
        return ct_error_set(err, CT_ECONFIG, "%s: larger than %d bytes, not a calltop state file",
                            path, CT_BOARD_STATE_MAX_BYTES);
    ct_error why;
    ct_error_clear(&why);
    if (ct_board_state_decode(text, len, s, &why) != CT_OK)
        return ct_error_set(err, CT_ECONFIG, "%s: %s", path, why.detail);
    return CT_OK;
}

/* mkdir -p for the directories above the file, each new one 0700. */
static ct_err make_dirs(const char *path, ct_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return CT_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return ct_error_set(err, CT_EIO, "cannot create %s: %s", dir, strerror(errno));
        *p = c;
        if (!c) break;
    }
    /* the calltop directory is ours: private even if something made it wider */
    if (chmod(dir, 0700) != 0) return ct_error_set(err, CT_EIO, "%s: %s", dir, strerror(errno));
    return CT_OK;
}

ct_err ct_board_state_save(const char *path, const ct_board_state *s, ct_error *err)
{
    char text[CT_BOARD_STATE_MAX_BYTES];
    size_t len = ct_board_state_encode(s, text, sizeof text);
    if (!len) return ct_error_set(err, CT_EINVAL, "the board state does not fit its file");
    if (make_dirs(path, err) != CT_OK) return err ? err->code : CT_EIO;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return ct_error_set(err, CT_EIO, "%s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return ct_error_set(err, CT_EIO, "%s: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return ct_error_set(err, CT_EIO, "%s: %s", path, strerror(e));
    }
    return CT_OK;
}

void ct_board_state_capture(const ct_board *b, ct_board_state *s)
{
    ct_board_state_defaults(s);
    const ct_listmodel *lm = ct_list_pane_model(b->list);
    s->sort = lm->spec.sort;
    s->descending = lm->spec.descending;
    s->filter_step = lm->filter_step;
    memcpy(s->assistant_id, lm->spec.assistant_id, sizeof s->assistant_id);
    memcpy(s->our_number, lm->spec.our_number, sizeof s->our_number);
    s->tiled = b->tiled;
    s->arrangement = b->tiles.arrangement;
    s->n_pins = b->tiles.n;
    for (int i = 0; i < b->tiles.n; i++) memcpy(s->pins[i], b->tiles.pinned[i], sizeof s->pins[i]);
}

void ct_board_state_apply(ct_board *b, const ct_board_state *s)
{
    ct_listmodel *lm = ct_list_pane_model(b->list);
    lm->spec.sort = s->sort;
    lm->spec.descending = s->descending;
    memcpy(lm->spec.assistant_id, s->assistant_id, sizeof s->assistant_id);
    memcpy(lm->spec.our_number, s->our_number, sizeof s->our_number);
    ct_listmodel_set_filter_step(lm, s->filter_step); /* applies the whole spec */
    ct_tiles_init(&b->tiles);
    for (int i = 0; i < s->n_pins; i++) ct_tiles_toggle_pin(&b->tiles, s->pins[i]);
    b->tiles.focus = 0;
    b->tiles.arrangement = s->arrangement;
    b->tiled = s->tiled;
    if (b->tiled && b->tiles.n) ct_ui_select(&b->ctx, ct_tiles_focused_id(&b->tiles));
    ct_board_layout(b);
}

void ct_board_state_restore(ct_board *b, bool demo, char *path, size_t cap)
{
    ct_error err;
    ct_error_clear(&err);
    if (ct_board_state_path(path, cap, demo, &err) != CT_OK) {
        path[0] = '\0';
        ct_log(CT_LOG_WARN, "board state: %s", err.detail);
        return;
    }
    ct_board_state s;
    bool found = false;
    if (ct_board_state_load(path, &s, &found, &err) != CT_OK) {
        ct_log(CT_LOG_WARN, "board state ignored, defaults used: %s", err.detail);
        ct_ui_flash(&b->ctx, CT_FLASH_WARN, "board state ignored, defaults used: %s", err.detail);
        return;
    }
    if (!found) return;
    ct_board_state_apply(b, &s);
    ct_log(CT_LOG_INFO, "board state restored from %s (%d pinned)", path, s.n_pins);
}

ct_err ct_board_state_remember(const ct_board *b, const char *path, ct_error *err)
{
    if (!path[0]) return CT_OK;
    ct_board_state s;
    ct_board_state_capture(b, &s);
    return ct_board_state_save(path, &s, err);
}
