// facecheck: portrait rules over OpenCV's Haar cascades (see facecheck.h).
// C++ stays inside this file: no exception crosses the C interface.
extern "C" {
#include "bio/facecheck.h"
}

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <new>
#include <string>
#include <vector>

#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

struct face_detector {
    cv::CascadeClassifier face;
    cv::CascadeClassifier eye;
    cv::CascadeClassifier eye_glasses;
};

static const char *const reason_codes[FACE_REASON_COUNT] = {
    "ok", "no_face", "two_faces", "move_closer", "move_back", "centre_face", "too_dark",
    "too_bright", "blurred", "look_straight", "eyes_not_visible", "uneven_light",
    "background_busy",
};
static const char *const reason_texts[FACE_REASON_COUNT] = {
    "Good.",
    "No face was found: stand in front of the camera and look at it.",
    "More than one face is in the picture: only you should be in front of the camera.",
    "Move closer to the camera.",
    "Move back a little from the camera.",
    "Move so that your face is in the middle of the frame.",
    "The picture is too dark: face the light.",
    "The picture is too bright: step out of direct light.",
    "The picture is blurred: hold still while the photo is taken.",
    "Keep your head straight and look straight at the camera.",
    "Your eyes must be visible: look at the camera with your eyes open, without tinted glasses.",
    "The light on your face is uneven: face the light so both sides are lit.",
    "Something is behind you: stand in front of the plain background.",
};

extern "C" const char *face_reason_code(face_reason_t r)
{
    return (unsigned)r < FACE_REASON_COUNT ? reason_codes[r] : "unknown";
}

extern "C" const char *face_reason_text(face_reason_t r)
{
    return (unsigned)r < FACE_REASON_COUNT ? reason_texts[r] : "";
}

extern "C" void face_config_default(face_config_t *c)
{
    c->search_margin = 0.08;
    c->min_face_share = 0.06;
    c->second_face_share = 0.5;
    c->min_eye_distance = 90;
    c->face_width_min = 0.30;
    c->face_width_max = 0.68;
    c->centre_tolerance = 0.10;
    c->eyes_y_min = 0.25;
    c->eyes_y_max = 0.60;
    c->max_roll_deg = 8;
    c->luma_min = 90;
    c->luma_max = 180;
    c->max_clipped = 0.01;
    c->light_ratio_min = 0.80;
    c->light_ratio_max = 1.25;
    c->max_bg_edges = 0.03;
    c->max_bg_std = 45;
    c->min_sharpness = 60;
}

extern "C" int face_detector_open(const char *dir, face_detector_t **ret, err_t *err)
{
    std::string base = dir ? dir : FACE_CASCADE_DIR_DEFAULT;
    face_detector *d = new (std::nothrow) face_detector;
    if (!d)
        return err_set(err, -ENOMEM, "face_model_missing", "out of memory");
    // Check the files first: OpenCV would print its own complaint.
    for (const char *name : {"/haarcascade_frontalface_default.xml", "/haarcascade_eye.xml",
                             "/haarcascade_eye_tree_eyeglasses.xml"}) {
        if (access((base + name).c_str(), R_OK) != 0) {
            delete d;
            return err_set(err, -ENOENT, "face_model_missing",
                           "the face detector's cascade files are missing (package opencv-data)");
        }
    }
    try {
        if (!d->face.load(base + "/haarcascade_frontalface_default.xml") ||
            !d->eye.load(base + "/haarcascade_eye.xml") ||
            !d->eye_glasses.load(base + "/haarcascade_eye_tree_eyeglasses.xml")) {
            delete d;
            return err_set(err, -ENOENT, "face_model_missing",
                           "the face detector's cascade files are missing (package opencv-data)");
        }
    } catch (...) {
        delete d;
        return err_set(err, -ENOENT, "face_model_missing", "the face detector's cascades are unreadable");
    }
    *ret = d;
    return 0;
}

extern "C" void face_detector_free(face_detector_t *d)
{
    delete d;
}

#define DETECT_WIDTH 480  /* faces are looked for in a copy this wide (speed) */
#define BG_EDGE_STEP 12.0 /* grey levels per pixel that count as an edge in the background */

// Faces whose centre lies inside the expected area, largest first, in the
// coordinates of grey. The search runs on a copy at most DETECT_WIDTH wide.
static std::vector<cv::Rect> find_faces(face_detector *d, const cv::Mat &grey,
                                        const face_config_t *c)
{
    std::vector<cv::Rect> all, keep;
    double k = grey.cols > DETECT_WIDTH ? (double)DETECT_WIDTH / grey.cols : 1.0;
    cv::Mat small;
    if (k < 1)
        cv::resize(grey, small, cv::Size(), k, k, cv::INTER_AREA);
    else
        small = grey;
    int minside = (int)std::lround(c->min_face_share * small.cols);
    if (minside < 24)
        minside = 24;
    d->face.detectMultiScale(small, all, 1.1, 5, 0, cv::Size(minside, minside));
    for (cv::Rect &r : all)
        r = cv::Rect((int)std::lround(r.x / k), (int)std::lround(r.y / k),
                     (int)std::lround(r.width / k), (int)std::lround(r.height / k));
    double mx = c->search_margin * grey.cols, my = c->search_margin * grey.rows;
    for (const cv::Rect &r : all) {
        double cx = r.x + r.width / 2.0, cy = r.y + r.height / 2.0;
        if (cx >= mx && cx <= grey.cols - mx && cy >= my && cy <= grey.rows - my)
            keep.push_back(r);
    }
    std::sort(keep.begin(), keep.end(),
              [](const cv::Rect &a, const cv::Rect &b) { return a.area() > b.area(); });
    return keep;
}


// Eye centres in the upper part of a face (grey as taken: a histogram
// equalised over the whole frame hides eyes behind glasses): candidates from the plain and the
// eyeglasses cascades; the pair (one each side of the face's middle, at a
// plausible distance and slope) with the largest boxes wins. Returns the
// number of eyes found (0, 1 or 2); with 2, ret_l / ret_r are the centres
// (image left / right) in grey's coordinates.
static int find_eyes_at(face_detector *d, const cv::Mat &grey, const cv::Rect &face, int width,
                        cv::Point2d &ret_l, cv::Point2d &ret_r)
{
    cv::Rect band(face.x, face.y + face.height / 8, face.width, face.height / 2);
    band &= cv::Rect(0, 0, grey.cols, grey.rows);
    if (band.width < 24 || band.height < 12)
        return 0;
    double k = (double)width / face.width;
    cv::Mat roi;
    cv::resize(grey(band), roi, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    std::vector<cv::Rect> eyes, more;
    cv::Size lo(width / 10, width / 10), hi(width / 3, width / 3);
    d->eye.detectMultiScale(roi, eyes, 1.1, 3, 0, lo, hi);
    d->eye_glasses.detectMultiScale(roi, more, 1.1, 3, 0, lo, hi);
    eyes.insert(eyes.end(), more.begin(), more.end());
    double mid = width / 2.0;
    int best_l = -1, best_r = -1, best_area = -1, sides = 0;
    bool any_l = false, any_r = false;
    for (size_t i = 0; i < eyes.size(); i++) {
        double ci = eyes[i].x + eyes[i].width / 2.0;
        any_l = any_l || ci < mid;
        any_r = any_r || ci >= mid;
        for (size_t j = 0; j < eyes.size(); j++) {
            double cj = eyes[j].x + eyes[j].width / 2.0;
            if (!(ci < mid && cj >= mid))
                continue;
            double dx = cj - ci;
            double dy = (eyes[j].y + eyes[j].height / 2.0) - (eyes[i].y + eyes[i].height / 2.0);
            if (dx < 0.25 * width || dx > 0.75 * width || std::fabs(dy) > 0.6 * dx)
                continue;
            int area = eyes[i].area() + eyes[j].area();
            if (area > best_area) {
                best_area = area;
                best_l = (int)i;
                best_r = (int)j;
            }
        }
    }
    sides = (int)any_l + (int)any_r;
    if (best_l < 0)
        return sides > 1 ? 1 : sides;
    const cv::Rect &l = eyes[(size_t)best_l], &r = eyes[(size_t)best_r];
    ret_l = cv::Point2d(band.x + (l.x + l.width / 2.0) / k, band.y + (l.y + l.height / 2.0) / k);
    ret_r = cv::Point2d(band.x + (r.x + r.width / 2.0) / k, band.y + (r.y + r.height / 2.0) / k);
    return 2;
}

// Eyes at up to five face scales, until a pair is found.
static int find_eyes(face_detector *d, const cv::Mat &grey, const cv::Rect &face,
                     cv::Point2d &ret_l, cv::Point2d &ret_r)
{
    int best = 0;
    for (int width : {200, 160, 260, 130, 320}) {
        int n = find_eyes_at(d, grey, face, width, ret_l, ret_r);
        if (n == 2)
            return 2;
        best = std::max(best, n);
    }
    return best;
}

// Background: strips left and right of the head and above it, clear of a
// generous head-and-shoulders box around the face.
static void background_stats(const cv::Mat &grey, const cv::Rect &f, double &ret_edges,
                             double &ret_std)
{
    cv::Mat gx, gy, mag;
    cv::Sobel(grey, gx, CV_32F, 1, 0, 3);
    cv::Sobel(grey, gy, CV_32F, 0, 1, 3);
    cv::magnitude(gx, gy, mag);
    cv::Mat mask = cv::Mat::zeros(grey.size(), CV_8U);
    int hx0 = f.x - f.width * 45 / 100, hx1 = f.x + f.width + f.width * 45 / 100;
    int top = f.y - f.height * 55 / 100, bottom = f.y + f.height; // strips end at the chin
    cv::Rect frame(0, 0, grey.cols, grey.rows);
    cv::Rect left = cv::Rect(0, 0, std::max(hx0, 0), std::max(bottom, 0)) & frame;
    cv::Rect right = cv::Rect(hx1, 0, std::max(grey.cols - hx1, 0), std::max(bottom, 0)) & frame;
    cv::Rect above = cv::Rect(0, 0, grey.cols, std::max(top, 0)) & frame;
    for (const cv::Rect &r : {left, right, above})
        if (r.area() > 0)
            mask(r).setTo(255);
    // Keep a few pixels off the frame edge (Sobel border effects).
    cv::rectangle(mask, frame, cv::Scalar(0), 3);
    if (cv::countNonZero(mask) < 400) {
        ret_edges = 0;
        ret_std = 0;
        return;
    }
    // Edge share: background pixels where the grey level changes by more
    // than BG_EDGE_STEP per pixel (Sobel 3x3 has a gain of 4 per grey step).
    cv::Mat strong = (mag > 4.0 * BG_EDGE_STEP) & mask;
    ret_edges = (double)cv::countNonZero(strong) / cv::countNonZero(mask);
    cv::Scalar m, s;
    cv::meanStdDev(grey, m, s, mask);
    ret_std = s[0];
}

static void fail(face_result_t *r, face_reason_t why)
{
    r->failed |= 1u << why;
}

static int check(face_detector *d, const raster_t *img, const face_config_t *c, face_result_t *res)
{
    cv::Mat src(img->height, img->width, img->channels == 1 ? CV_8UC1 : CV_8UC3, img->pix);
    cv::Mat grey;
    if (img->channels == 1)
        grey = src;
    else
        cv::cvtColor(src, grey, cv::COLOR_RGB2GRAY);
    cv::Mat eq;
    cv::equalizeHist(grey, eq);

    std::vector<cv::Rect> faces = find_faces(d, eq, c);
    if (faces.empty()) {
        // A tilted head escapes the upright detector: look again at +-20 degrees.
        for (double ang : {20.0, -20.0}) {
            cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(eq.cols / 2.0f, eq.rows / 2.0f), ang, 1);
            cv::Mat turned;
            cv::warpAffine(eq, turned, rot, eq.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
            if (!find_faces(d, turned, c).empty()) {
                res->faces = 1;
                res->roll_deg = ang;
                fail(res, FACE_LOOK_STRAIGHT);
                return 0;
            }
        }
        fail(res, FACE_NO_FACE);
        return 0;
    }
    // The subject: the largest candidate in which eyes are found (else the
    // largest). Another candidate counts as a second face when it is not much
    // smaller and has eyes too: a lone Haar hit in a pattern does not.
    std::vector<int> eyes_in(faces.size());
    std::vector<cv::Point2d> cl(faces.size()), cr(faces.size());
    size_t main = 0;
    bool main_set = false;
    for (size_t i = 0; i < faces.size(); i++) {
        eyes_in[i] = find_eyes(d, grey, faces[i], cl[i], cr[i]);
        if (!main_set && eyes_in[i] > 0) {
            main = i;
            main_set = true;
        }
    }
    const cv::Rect f = faces[main];
    res->faces = 1;
    for (size_t i = 0; i < faces.size(); i++)
        if (i != main && faces[i].width >= c->second_face_share * f.width &&
            (faces[i] & f).area() == 0 && eyes_in[i] > 0)
            res->faces++;
    if (res->faces > 1)
        fail(res, FACE_TWO_FACES);
    res->fx = f.x;
    res->fy = f.y;
    res->fw = f.width;
    res->fh = f.height;

    // Size and position.
    res->face_share = (double)f.width / grey.cols;
    if (res->face_share < c->face_width_min)
        fail(res, FACE_MOVE_CLOSER);
    if (res->face_share > c->face_width_max)
        fail(res, FACE_MOVE_BACK);
    double cx = f.x + f.width / 2.0;
    if (std::fabs(cx / grey.cols - 0.5) > c->centre_tolerance)
        fail(res, FACE_CENTRE);

    // Eyes: the left-hand one in the image is the subject's right eye.
    cv::Point2d le = cl[main], re = cr[main];
    double eye_y;
    if (eyes_in[main] == 2) {
        res->eyes_found = 1;
        res->lx = le.x;
        res->ly = le.y;
        res->rx = re.x;
        res->ry = re.y;
        res->eye_distance = std::hypot(re.x - le.x, re.y - le.y);
        res->roll_deg = std::atan2(re.y - le.y, re.x - le.x) * 180.0 / M_PI;
        eye_y = (le.y + re.y) / 2;
        if (res->eye_distance < c->min_eye_distance)
            fail(res, FACE_MOVE_CLOSER);
        if (std::fabs(res->roll_deg) > c->max_roll_deg)
            fail(res, FACE_LOOK_STRAIGHT);
    } else {
        fail(res, FACE_EYES);
        // Estimate from the box for the checks that need a distance.
        res->eye_distance = 0.42 * f.width;
        eye_y = f.y + 0.38 * f.height;
        if (res->eye_distance < c->min_eye_distance)
            fail(res, FACE_MOVE_CLOSER);
    }
    double ey = eye_y / grey.rows;
    if (ey < c->eyes_y_min || ey > c->eyes_y_max)
        fail(res, FACE_CENTRE);

    // Light: the inner face (the box less its rim, which holds hair and background).
    cv::Rect inner(f.x + f.width / 8, f.y + f.height / 8, f.width * 3 / 4, f.height * 3 / 4);
    inner &= cv::Rect(0, 0, grey.cols, grey.rows);
    cv::Mat fg = grey(inner);
    res->luma = cv::mean(fg)[0];
    int clipped = 0;
    for (int y = 0; y < fg.rows; y++) {
        const uint8_t *row = fg.ptr<uint8_t>(y);
        for (int x = 0; x < fg.cols; x++)
            clipped += row[x] <= 5 || row[x] >= 250;
    }
    res->clipped = (double)clipped / ((double)fg.rows * fg.cols);
    if (res->luma < c->luma_min)
        fail(res, FACE_TOO_DARK);
    if (res->luma > c->luma_max || res->clipped > c->max_clipped)
        fail(res, res->luma < 128 ? FACE_TOO_DARK : FACE_TOO_BRIGHT);
    double lm = cv::mean(fg(cv::Rect(0, 0, fg.cols / 2, fg.rows)))[0];
    double rm = cv::mean(fg(cv::Rect(fg.cols - fg.cols / 2, 0, fg.cols / 2, fg.rows)))[0];
    res->light_ratio = rm > 0 ? lm / rm : 0;
    if (res->light_ratio < c->light_ratio_min || res->light_ratio > c->light_ratio_max)
        fail(res, FACE_UNEVEN_LIGHT);

    // Sharpness at a fixed scale, so that it does not depend on the face's size.
    cv::Mat small, lap;
    cv::resize(fg, small, cv::Size(160, std::max(1, fg.rows * 160 / std::max(1, fg.cols))), 0, 0,
               cv::INTER_AREA);
    cv::Laplacian(small, lap, CV_32F, 3);
    cv::Scalar lm_, ls_;
    cv::meanStdDev(lap, lm_, ls_);
    res->sharpness = ls_[0] * ls_[0] / 16.0; // Laplacian 3x3 (ksize 3) gain
    if (res->sharpness < c->min_sharpness)
        fail(res, FACE_BLURRED);

    background_stats(grey, f, res->bg_edges, res->bg_std);
    if (res->bg_edges > c->max_bg_edges || res->bg_std > c->max_bg_std)
        fail(res, FACE_BACKGROUND_BUSY);
    return 0;
}

extern "C" int face_check(face_detector_t *d, const raster_t *img, const face_config_t *cfg,
                          face_result_t *ret)
{
    face_config_t defaults;
    if (!cfg) {
        face_config_default(&defaults);
        cfg = &defaults;
    }
    if (!d || !img || !img->pix || img->width < 64 || img->height < 64 ||
        (img->channels != 1 && img->channels != 3))
        return -EINVAL;
    face_result_t res = {};
    int r;
    try {
        r = check(d, img, cfg, &res);
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (...) {
        return -EIO;
    }
    if (r < 0)
        return r;
    res.reason = FACE_OK;
    // The order of face_reason_t is the order of report.
    for (int k = 1; k < FACE_REASON_COUNT; k++)
        if (res.failed & (1u << k)) {
            res.reason = (face_reason_t)k;
            break;
        }
    *ret = res;
    return 0;
}
