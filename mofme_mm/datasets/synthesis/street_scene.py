"""Procedural street scenes with Cityscapes trainIds and a consistent depth.

A pinhole camera 1.22 m above a flat road looks down a street: road and
sidewalks on the ground plane, building facades (with windows), trees and
walls/fences on two side planes, a backdrop at the end of the street, then
cars, trucks, buses, persons, riders with bicycles, poles with traffic signs
and lights, drawn with a z-buffer. Every pixel gets a trainId and a depth
(inf for the sky), and every surface a noisy texture so that restoring it is
not trivial.
"""
from typing import Dict, Tuple

import cv2
import numpy as np

# Cityscapes trainIds.
ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE = 0, 1, 2, 3, 4, 5
TRAFFIC_LIGHT, TRAFFIC_SIGN, VEGETATION, TERRAIN, SKY = 6, 7, 8, 9, 10
PERSON, RIDER, CAR, TRUCK, BUS, TRAIN, MOTORCYCLE, BICYCLE = (11, 12, 13, 14,
                                                             15, 16, 17, 18)
IGNORE = 255

CAMERA_HEIGHT = 1.22
CITYSCAPES_FX, CITYSCAPES_FY, CITYSCAPES_BASELINE = 2262.52, 2265.30, 0.209313


def _noise(rng: np.random.Generator, h: int, w: int,
           cells: Tuple[int, ...] = (4, 16, 64)) -> np.ndarray:
    """Multi-octave value noise in roughly ``[-1, 1]``, ``(H, W)`` float32."""
    out = np.zeros((h, w), np.float32)
    amp = 1.0
    for c in cells:
        small = rng.standard_normal((max(2, c * h // max(h, w) + 1),
                                     max(2, c * w // max(h, w) + 1)))
        out += amp * cv2.resize(small.astype(np.float32), (w, h),
                                interpolation=cv2.INTER_CUBIC)
        amp *= 0.5
    return out / 1.75


def _colour(rng: np.random.Generator, base, spread: float = 20.0):
    return np.clip(np.asarray(base, np.float32) + rng.uniform(
        -spread, spread, 3), 0, 255).astype(np.float32)


class _Canvas:
    """Image, trainIds and depth with z-buffered painting."""

    def __init__(self, h: int, w: int, fx: float, fy: float, u0: float,
                 v0: float):
        self.h, self.w, self.fx, self.fy, self.u0, self.v0 = h, w, fx, fy, u0, v0
        self.image = np.zeros((h, w, 3), np.float32)
        self.label = np.full((h, w), SKY, np.uint8)
        self.depth = np.full((h, w), np.inf, np.float32)

    def paint(self, mask: np.ndarray, depth, label, colour,
              region: Tuple[slice, slice] = (slice(None), slice(None))
              ) -> None:
        """Paint ``region`` where ``mask`` holds and the surface is nearer.

        ``depth``, ``label`` and ``colour`` are scalars/vectors or arrays the
        shape of the region.
        """
        cur = self.depth[region]
        nearer = mask & (depth < cur)
        cur[nearer] = np.broadcast_to(depth, cur.shape)[nearer]
        self.label[region][nearer] = np.broadcast_to(label, cur.shape)[nearer]
        self.image[region][nearer] = np.broadcast_to(
            colour, cur.shape + (3, ))[nearer]

    def project(self, x: float, y: float, z: float) -> Tuple[float, float]:
        """World (x right, y = height above road, z forward) to pixels."""
        return (self.u0 + self.fx * x / z,
                self.v0 + self.fy * (CAMERA_HEIGHT - y) / z)

    def box(self, x0: float, x1: float, y0: float, y1: float, z: float,
            label: int, colour, rng: np.random.Generator,
            texture: float = 8.0, ellipse: bool = False) -> None:
        """A fronto-parallel rectangle (or ellipse) at depth ``z``."""
        u_a, v_b = self.project(x0, y0, z)
        u_b, v_a = self.project(x1, y1, z)
        c0, c1 = max(int(np.floor(u_a)), 0), min(int(np.ceil(u_b)), self.w)
        r0, r1 = max(int(np.floor(v_a)), 0), min(int(np.ceil(v_b)), self.h)
        if c1 <= c0 or r1 <= r0:
            return
        sub_h, sub_w = r1 - r0, c1 - c0
        mask = np.ones((sub_h, sub_w), bool)
        if ellipse:
            cu, cv_ = (u_a + u_b) / 2, (v_a + v_b) / 2
            ru, rv = max((u_b - u_a) / 2, 0.5), max((v_b - v_a) / 2, 0.5)
            yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float32) + 0.5
            mask = ((xx - cu) / ru)**2 + ((yy - cv_) / rv)**2 <= 1.0
        col = np.asarray(colour, np.float32)[None, None] + texture * \
            rng.standard_normal((sub_h, sub_w, 1)).astype(np.float32)
        self.paint(mask, np.float32(z), label, col,
                   (slice(r0, r1), slice(c0, c1)))


_SIDE_KINDS = (BUILDING, BUILDING, BUILDING, VEGETATION, WALL, FENCE)
_SIDE_HEIGHTS = {BUILDING: (7.0, 24.0), VEGETATION: (3.0, 9.0),
                 WALL: (1.0, 2.2), FENCE: (1.0, 1.8)}
_SIDE_COLOURS = {BUILDING: ((150, 130, 115), 45),
                 VEGETATION: ((60, 110, 45), 20),
                 WALL: ((140, 130, 120), 20), FENCE: ((110, 100, 80), 20)}


def _side_segments(rng: np.random.Generator, z_end: float):
    """Stretches along one side of the street.

    Returns:
        tuple: segment starts (S,), labels (S,), heights (S,), colours (S, 3),
        window spacings (S,).
    """
    starts, labels, heights, colours, spacings = [], [], [], [], []
    z = 0.0
    while z < z_end:
        label = int(rng.choice(_SIDE_KINDS))
        base, spread = _SIDE_COLOURS[label]
        starts.append(z)
        labels.append(label)
        heights.append(rng.uniform(*_SIDE_HEIGHTS[label]))
        colours.append(_colour(rng, base, spread))
        spacings.append(rng.uniform(2.5, 4.0))
        z += rng.uniform(6.0, 22.0)
    return (np.array(starts, np.float32), np.array(labels, np.uint8),
            np.array(heights, np.float32), np.stack(colours),
            np.array(spacings, np.float32))


def _paint_ground(cv: _Canvas, rng: np.random.Generator, road_half: float,
                  walk: float, side: float, z_end: float) -> None:
    h, w = cv.h, cv.w
    v = np.arange(h, dtype=np.float32)[:, None]
    u = np.arange(w, dtype=np.float32)[None, :]
    below = v > cv.v0 + 0.5
    z = np.where(below, cv.fy * CAMERA_HEIGHT / np.maximum(v - cv.v0, 1e-3),
                 np.float32(1e6))
    z = np.broadcast_to(z, (h, w)).astype(np.float32)
    x = (u - cv.u0) * z / cv.fx
    ax = np.abs(x)
    on_ground = below & (ax <= side) & (z <= z_end)
    noise = _noise(rng, h, w, (8, 32, 128))
    label = np.where(ax <= road_half, ROAD,
                     np.where(ax <= road_half + walk, SIDEWALK,
                              TERRAIN)).astype(np.uint8)
    palette = np.stack([_colour(rng, (95, 95, 100), 15),
                        _colour(rng, (150, 140, 135), 20),
                        _colour(rng, (90, 120, 60), 15)])
    colour = palette[np.minimum(label, 2)] + 14.0 * noise[..., None]
    # Lane markings (dashed centre line) and sidewalk tiles.
    dash = (ax < 0.08) & ((z % 6.0) < 3.0) & (label == ROAD)
    colour[dash] = (225, 225, 220)
    tiles = (label == SIDEWALK) & (((z % 1.5) < 0.06) | ((ax % 1.5) < 0.06))
    colour[tiles] *= 0.8
    label = np.where(label == 2, TERRAIN, label).astype(np.uint8)
    cv.paint(on_ground, z, label, colour)


def _paint_sides(cv: _Canvas, rng: np.random.Generator, side: float,
                 z_end: float) -> None:
    h, w = cv.h, cv.w
    v = np.arange(h, dtype=np.float32)[:, None]
    u = np.arange(w, dtype=np.float32)
    noise = _noise(rng, h, w, (8, 32, 128))[..., None]
    for sign in (-1.0, 1.0):
        cols = (u - cv.u0) * sign > 0.5
        z_col = np.where(cols, cv.fx * side / np.maximum(np.abs(u - cv.u0),
                                                         1e-3), 1e6)
        z_col = z_col.astype(np.float32)
        starts, labels, heights, colours, spacings = _side_segments(rng,
                                                                    z_end)
        seg = np.clip(np.searchsorted(starts, z_col, side='right') - 1, 0,
                      len(starts) - 1)
        lab_col, top_col = labels[seg], heights[seg]
        top_col = np.where(lab_col == VEGETATION,
                           top_col + 1.5 * _noise(rng, 1, w, (16, 64))[0],
                           top_col)
        z = np.broadcast_to(z_col[None, :], (h, w))
        y = CAMERA_HEIGHT - (v - cv.v0) * z / cv.fy  # height above the road
        label = np.broadcast_to(lab_col[None, :], (h, w))
        mask = (cols & (z_col < z_end))[None, :] & (y >= 0) & (
            y <= top_col[None, :])
        fence_bars = ((z % 0.6) < 0.2) | ((y % 0.5) < 0.1)
        mask &= (label != FENCE) | fence_bars
        amp = np.where(lab_col == VEGETATION, 30.0, 11.0)[None, :, None]
        colour = colours[seg][None, :, :] + amp * noise
        spacing = spacings[seg][None, :]
        phase = z % spacing
        windows = (label == BUILDING) & (phase > 0.35 * spacing) & (
            phase < 0.8 * spacing) & ((y % 3.2) > 1.0) & (
                (y % 3.2) < 2.4) & (y > 2.5)
        glass = _colour(rng, (70, 85, 105), 15) + 6.0 * noise
        colour = np.where(windows[..., None], glass, colour)
        cv.paint(mask, z, label, colour)
    # Backdrop at the end of the street.
    height = rng.uniform(10, 30)
    y = CAMERA_HEIGHT - (v - cv.v0) * z_end / cv.fy
    x = (u - cv.u0) * z_end / cv.fx
    back = np.broadcast_to((y >= 0) & (y <= height) & (np.abs(x) <= side),
                           (h, w))
    col = _colour(rng, (140, 135, 130), 30) + 10.0 * noise
    cv.paint(back, np.float32(z_end), BUILDING, col)


def _paint_sky(cv: _Canvas, rng: np.random.Generator) -> None:
    h, w = cv.h, cv.w
    top = _colour(rng, (200, 150, 110), 25)  # BGR-agnostic bluish tones
    bottom = _colour(rng, (235, 220, 205), 15)
    t = (np.arange(h, dtype=np.float32) / h)[:, None, None]
    sky = top * (1 - t) + bottom * t
    clouds = np.clip(_noise(rng, h, w, (3, 9, 27)), 0, None)[..., None]
    sky = sky + 35.0 * clouds
    mask = cv.label == SKY
    cv.image[mask] = np.broadcast_to(sky, (h, w, 3))[mask]


def _paint_objects(cv: _Canvas, rng: np.random.Generator, road_half: float,
                   walk: float) -> None:
    # Vehicles on the road, far first does not matter (z-buffer).
    for _ in range(int(rng.integers(1, 6))):
        kind = rng.choice([CAR, CAR, CAR, CAR, TRUCK, BUS])
        half_w, height = dict([(CAR, (0.9, 1.5)), (TRUCK, (1.2, 3.0)),
                               (BUS, (1.3, 3.2))])[int(kind)]
        lane = rng.uniform(-road_half + half_w, road_half - half_w)
        z = rng.uniform(5.0, 60.0)
        body = _colour(rng, rng.uniform(30, 220, 3), 10)
        cv.box(lane - half_w, lane + half_w, 0.35, height, z, int(kind), body,
               rng, 6.0)
        glass = _colour(rng, (60, 60, 60), 10)
        cv.box(lane - half_w * 0.8, lane + half_w * 0.8, height * 0.62,
               height * 0.92, z - 0.01, int(kind), glass, rng, 4.0)
        for sx in (-1, 1):
            cv.box(lane + sx * half_w * 0.75 - 0.2, lane + sx * half_w * 0.75
                   + 0.2, 0.0, 0.55, z - 0.02, int(kind), (25, 25, 25), rng,
                   3.0)
    # Persons on the sidewalks.
    for _ in range(int(rng.integers(0, 5))):
        sign = rng.choice([-1.0, 1.0])
        x = sign * (road_half + rng.uniform(0.4, max(0.5, walk - 0.3)))
        z = rng.uniform(4.0, 40.0)
        height = rng.uniform(1.55, 1.9)
        cloth = _colour(rng, rng.uniform(20, 200, 3), 10)
        cv.box(x - 0.22, x + 0.22, 0.0, height * 0.85, z, PERSON, cloth, rng)
        cv.box(x - 0.12, x + 0.12, height * 0.85, height, z, PERSON,
               _colour(rng, (120, 150, 190), 20), rng, 4.0, ellipse=True)
    # A rider on a bicycle or motorcycle near the kerb.
    if rng.random() < 0.5:
        sign = rng.choice([-1.0, 1.0])
        x = sign * (road_half - 0.8)
        z = rng.uniform(6.0, 35.0)
        vehicle = BICYCLE if rng.random() < 0.6 else MOTORCYCLE
        cv.box(x - 0.35, x + 0.35, 0.0, 0.9, z, vehicle, (40, 40, 40), rng)
        cv.box(x - 0.22, x + 0.22, 0.9, 1.65, z - 0.01, RIDER,
               _colour(rng, rng.uniform(20, 200, 3), 10), rng)
        cv.box(x - 0.11, x + 0.11, 1.65, 1.85, z - 0.01, RIDER,
               _colour(rng, (120, 150, 190), 20), rng, 4.0, ellipse=True)
    # Poles with traffic signs or lights along the kerb.
    for _ in range(int(rng.integers(1, 5))):
        sign = rng.choice([-1.0, 1.0])
        x = sign * (road_half + 0.3)
        z = rng.uniform(5.0, 60.0)
        height = rng.uniform(3.0, 5.5)
        cv.box(x - 0.07, x + 0.07, 0.0, height, z, POLE, (110, 110, 115), rng,
               4.0)
        if rng.random() < 0.6:
            cv.box(x - 0.35, x + 0.35, height - 0.1, height + 0.6, z - 0.02,
                   TRAFFIC_SIGN, _colour(rng, (40, 40, 200), 30), rng, 5.0,
                   ellipse=bool(rng.random() < 0.5))
        else:
            cv.box(x - 0.15, x + 0.15, height - 0.2, height + 0.7, z - 0.02,
                   TRAFFIC_LIGHT, (30, 35, 30), rng, 3.0)


def render_street_scene(height: int, width: int,
                        rng: np.random.Generator) -> Dict[str, object]:
    """Render one street scene.

    Args:
        height (int): image height in pixels.
        width (int): image width in pixels.
        rng (np.random.Generator): source of randomness (deterministic scenes
            for a seeded generator).

    Returns:
        dict: ``image`` (H, W, 3) uint8 (BGR order, as OpenCV writes),
        ``label`` (H, W) uint8 trainIds, ``depth`` (H, W) float32 metres
        (inf for the sky) and ``camera`` (``baseline``, ``fx``, ``fy``,
        ``u0``, ``v0``, Cityscapes intrinsics scaled to the image size).
    """
    fx = CITYSCAPES_FX * width / 2048.0
    fy = CITYSCAPES_FY * height / 1024.0
    u0 = width / 2.0 + rng.uniform(-0.02, 0.02) * width
    v0 = height * rng.uniform(0.40, 0.48)
    cv = _Canvas(height, width, fx, fy, u0, v0)
    road_half = rng.uniform(3.5, 7.0)
    walk = rng.uniform(2.0, 4.0)
    side = road_half + walk + rng.uniform(0.0, 2.5)
    z_end = rng.uniform(80.0, 220.0)
    _paint_ground(cv, rng, road_half, walk, side, z_end)
    _paint_sides(cv, rng, side, z_end)
    _paint_objects(cv, rng, road_half, walk)
    _paint_sky(cv, rng)
    # Light falloff and sensor noise.
    shade = 1.0 + 0.15 * _noise(rng, height, width, (2, 4))[..., None]
    image = cv.image * shade + rng.normal(0, 3.0, cv.image.shape)
    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 0.6)
    camera = dict(baseline=CITYSCAPES_BASELINE, fx=fx, fy=fy, u0=u0, v0=v0)
    return dict(image=np.clip(image, 0, 255).round().astype(np.uint8),
                label=cv.label, depth=cv.depth, camera=camera)
