"""Procedural street scenes annotated the way Cityscapes is: polygons.

A pinhole camera 1.22 m above a flat road looks down a street: road and
sidewalks on the ground plane, building facades (with windows), trees and
walls/fences on two side planes, a backdrop at the end of the street, then
cars, trucks, buses, persons, riders on bicycles or motorcycles, poles with
traffic signs and lights.

Every surface is a Cityscapes object: a label name and an integer polygon,
kept in drawing order from far to near, so that later objects occlude
earlier ones, and a full-frame ``sky`` first, so that every pixel is covered
(as in real ``*_gtFine_polygons.json`` files). The polygons are rasterised
once, in file order, with PIL's ``ImageDraw.polygon`` exactly as
cityscapesscripts' ``json2labelImg`` / ``json2instanceImg`` do; the label
ids, train ids, instance ids, the image and the depth of a pixel all come
from the object that owns it there. Each object also shades its own pixels:
a depth per pixel (planes for the ground and the facades, fronto-parallel
objects, inf for the sky) and a noisy texture, so that restoring the image is
not trivial and rain/fog can be synthesised from the depth.
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from cityscapesscripts.helpers.labels import name2label
from PIL import Image, ImageDraw

# Cityscapes trainIds.
ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE = 0, 1, 2, 3, 4, 5
TRAFFIC_LIGHT, TRAFFIC_SIGN, VEGETATION, TERRAIN, SKY = 6, 7, 8, 9, 10
PERSON, RIDER, CAR, TRUCK, BUS, TRAIN, MOTORCYCLE, BICYCLE = (11, 12, 13, 14,
                                                             15, 16, 17, 18)
IGNORE = 255

CAMERA_HEIGHT = 1.22
CITYSCAPES_FX, CITYSCAPES_FY, CITYSCAPES_BASELINE = 2262.52, 2265.30, 0.209313
#: Near clipping plane of the 3D polygons, metres.
Z_NEAR = 0.5

#: ``shader(rows, cols) -> (depth (N,), colour (N, 3))`` of owned pixels.
Shader = Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]


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


def clip_polygon(points: Sequence[Sequence[float]], width: int,
                 height: int) -> List[Tuple[float, float]]:
    """Clip a polygon to the image rectangle (Sutherland-Hodgman).

    Args:
        points (Sequence): ``(x, y)`` vertices in pixels.
        width (int): image width; x is clipped to ``[0, width - 1]``.
        height (int): image height; y is clipped to ``[0, height - 1]``.

    Returns:
        list[tuple[float, float]]: the clipped vertices (empty when the
        polygon lies outside the image).
    """
    out = [(float(x), float(y)) for x, y in points]
    for axis, bound, keep_below in ((0, 0.0, False), (0, width - 1.0, True),
                                    (1, 0.0, False), (1, height - 1.0, True)):
        pts, out = out, []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            cur_in = cur[axis] <= bound if keep_below else cur[axis] >= bound
            prev_in = prev[axis] <= bound if keep_below else \
                prev[axis] >= bound
            if cur_in != prev_in:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cut = (prev[0] + t * (cur[0] - prev[0]),
                       prev[1] + t * (cur[1] - prev[1]))
                out.append((bound, cut[1]) if axis == 0 else (cut[0], bound))
            if cur_in:
                out.append(cur)
        if not out:
            break
    return out


def integer_polygon(points: Sequence[Sequence[float]], width: int,
                    height: int) -> Optional[List[List[int]]]:
    """Clip a polygon to the image and round it to integer pixels.

    Args:
        points (Sequence): ``(x, y)`` vertices in pixels.
        width (int): image width.
        height (int): image height.

    Returns:
        list[list[int]] | None: ``[[x, y], ...]`` without repeated
        neighbours, or None when nothing with an area is left.
    """
    clipped = clip_polygon(points, width, height)
    poly: List[List[int]] = []
    for x, y in clipped:
        p = [int(round(x)), int(round(y))]
        if not poly or p != poly[-1]:
            poly.append(p)
    while len(poly) > 1 and poly[0] == poly[-1]:
        poly.pop()
    if len(poly) < 3:
        return None
    xy = np.asarray(poly, np.float64)
    area = 0.5 * abs(np.dot(xy[:, 0], np.roll(xy[:, 1], -1)) -
                     np.dot(xy[:, 1], np.roll(xy[:, 0], -1)))
    return poly if area > 0 else None


def rasterise_polygons(polygons: Sequence[Sequence[Sequence[int]]],
                       width: int, height: int) -> np.ndarray:
    """Which polygon owns each pixel, drawn in order like cityscapesscripts.

    Args:
        polygons (Sequence): integer polygons in drawing order.
        width (int): image width.
        height (int): image height.

    Returns:
        np.ndarray: ``(H, W)`` int32, ``i + 1`` where polygon ``i`` was drawn
        last, 0 where none was.
    """
    owner = Image.new('I', (width, height), 0)
    drawer = ImageDraw.Draw(owner)
    for i, polygon in enumerate(polygons):
        drawer.polygon([tuple(p) for p in polygon], fill=i + 1)
    return np.asarray(owner, dtype=np.int32)


class _Scene:
    """Cityscapes objects (label, polygon, shader) in drawing order."""

    def __init__(self, h: int, w: int, fx: float, fy: float, u0: float,
                 v0: float) -> None:
        self.h, self.w, self.fx, self.fy, self.u0, self.v0 = h, w, fx, fy, u0, v0
        self.objects: List[Tuple[str, List[List[int]], Shader]] = []

    def project(self, x, y, z):
        """World (x right, y = height above road, z forward) to pixels."""
        return (self.u0 + self.fx * np.asarray(x) / np.asarray(z),
                self.v0 + self.fy * (CAMERA_HEIGHT - np.asarray(y)) /
                np.asarray(z))

    def world_xy(self, rows: np.ndarray, cols: np.ndarray,
                 z) -> Tuple[np.ndarray, np.ndarray]:
        """World x and height of pixels lying at depth ``z``."""
        x = (cols - self.u0) * z / self.fx
        y = CAMERA_HEIGHT - (rows - self.v0) * z / self.fy
        return x, y

    def add(self, label: str, points, shader: Shader) -> None:
        """Append an object given by pixel vertices (dropped if empty)."""
        polygon = integer_polygon(points, self.w, self.h)
        if polygon is not None:
            self.objects.append((label, polygon, shader))

    def add_world(self, label: str, xyz: Sequence[Sequence[float]],
                  shader: Shader) -> None:
        """Append an object given by 3D vertices (all with z >= Z_NEAR)."""
        x, y, z = (np.asarray(c, np.float64) for c in zip(*xyz))
        u, v = self.project(x, y, z)
        self.add(label, list(zip(u, v)), shader)

    def add_upright(self, label: str, outline: Sequence[Sequence[float]],
                    z: float, shader: Shader) -> None:
        """Append a fronto-parallel object: ``(x, y)`` outline at depth z."""
        self.add_world(label, [(x, y, z) for x, y in outline], shader)

    def render(self) -> Dict[str, np.ndarray]:
        """Rasterise the objects and shade every pixel by its owner."""
        h, w = self.h, self.w
        owner = rasterise_polygons([p for _, p, _ in self.objects], w, h)
        image = np.zeros((h, w, 3), np.float32)
        depth = np.full((h, w), np.inf, np.float32)
        count = len(self.objects) + 1
        label_ids = np.zeros(count, np.int64)
        instance_ids = np.zeros(count, np.int64)
        next_instance: Dict[str, int] = {}
        for i, (name, polygon, shader) in enumerate(self.objects, 1):
            label = name2label[name]
            label_ids[i] = label.id
            instance_ids[i] = label.id
            if label.hasInstances:  # as json2instanceImg with 'ids'
                k = next_instance.get(name, 0)
                instance_ids[i] = label.id * 1000 + k
                next_instance[name] = k + 1
            xy = np.asarray(polygon)
            c0, r0 = xy.min(0)
            c1, r1 = xy.max(0) + 1
            rows, cols = np.nonzero(owner[r0:r1, c0:c1] == i)
            if rows.size == 0:
                continue
            rows, cols = rows + r0, cols + c0
            z, colour = shader(rows.astype(np.float32),
                               cols.astype(np.float32))
            depth[rows, cols] = z
            image[rows, cols] = colour
        train_lut = np.full(256, 255, np.uint8)
        for label in name2label.values():
            if 0 <= label.id < 256 and 0 <= label.trainId < 256:
                train_lut[label.id] = label.trainId
        ids = label_ids[owner].astype(np.uint8)
        return dict(image=image, depth=depth, label_ids=ids,
                    label=train_lut[ids],
                    instance_ids=instance_ids[owner].astype(np.uint16),
                    polygons=dict(
                        imgHeight=h, imgWidth=w,
                        objects=[dict(label=name, polygon=polygon)
                                 for name, polygon, _ in self.objects]))


_SIDE_KINDS = (BUILDING, BUILDING, BUILDING, VEGETATION, WALL, FENCE)
_SIDE_NAMES = {BUILDING: 'building', VEGETATION: 'vegetation', WALL: 'wall',
               FENCE: 'fence'}
_SIDE_HEIGHTS = {BUILDING: (7.0, 24.0), VEGETATION: (3.0, 9.0),
                 WALL: (1.0, 2.2), FENCE: (1.0, 1.8)}
_SIDE_COLOURS = {BUILDING: ((150, 130, 115), 45),
                 VEGETATION: ((60, 110, 45), 20),
                 WALL: ((140, 130, 120), 20), FENCE: ((110, 100, 80), 20)}


def _side_segments(rng: np.random.Generator, z_end: float):
    """Stretches along one side of the street.

    Returns:
        list[tuple]: ``(z_start, z_stop, trainId, height, colour, window
        spacing)`` per stretch, ending at ``z_end``.
    """
    segments = []
    z = 0.0
    while z < z_end:
        label = int(rng.choice(_SIDE_KINDS))
        base, spread = _SIDE_COLOURS[label]
        height = rng.uniform(*_SIDE_HEIGHTS[label])
        colour = _colour(rng, base, spread)
        spacing = rng.uniform(2.5, 4.0)
        stop = min(z + rng.uniform(6.0, 22.0), z_end)
        segments.append((z, stop, label, height, colour, spacing))
        z = stop
    return segments


def _ground_shader(sc: _Scene, label: int, base: np.ndarray,
                   noise: np.ndarray, z_end: float) -> Shader:
    """Road / sidewalk / terrain on the ground plane, with markings."""

    def shade(rows, cols):
        z = sc.fy * CAMERA_HEIGHT / np.maximum(rows - sc.v0,
                                               sc.fy * CAMERA_HEIGHT / z_end)
        ax = np.abs((cols - sc.u0) * z / sc.fx)
        colour = base + 14.0 * noise[rows.astype(int), cols.astype(int),
                                     None]
        if label == ROAD:  # dashed centre line
            dash = (ax < 0.08) & ((z % 6.0) < 3.0)
            colour[dash] = (225, 225, 220)
        elif label == SIDEWALK:  # tiles
            tiles = ((z % 1.5) < 0.06) | ((ax % 1.5) < 0.06)
            colour[tiles] *= 0.8
        return z, colour

    return shade


def _add_ground(sc: _Scene, rng: np.random.Generator, road_half: float,
                walk: float, side: float, z_end: float) -> None:
    noise = _noise(rng, sc.h, sc.w, (8, 32, 128))
    palette = {ROAD: _colour(rng, (95, 95, 100), 15),
               SIDEWALK: _colour(rng, (150, 140, 135), 20),
               TERRAIN: _colour(rng, (90, 120, 60), 15)}
    strips = [(TERRAIN, 'terrain', road_half + walk, side),
              (SIDEWALK, 'sidewalk', road_half, road_half + walk)]
    for label, name, x_in, x_out in strips:
        for sign in (-1.0, 1.0):
            xa, xb = sign * x_in, sign * x_out
            sc.add_world(name, [(xa, 0, Z_NEAR), (xb, 0, Z_NEAR),
                                (xb, 0, z_end), (xa, 0, z_end)],
                         _ground_shader(sc, label, palette[label], noise,
                                        z_end))
    sc.add_world('road', [(-road_half, 0, Z_NEAR), (road_half, 0, Z_NEAR),
                          (road_half, 0, z_end), (-road_half, 0, z_end)],
                 _ground_shader(sc, ROAD, palette[ROAD], noise, z_end))


def _side_shader(sc: _Scene, label: int, side: float, z0: float, z1: float,
                 colour: np.ndarray, spacing: float, noise: np.ndarray,
                 glass: np.ndarray) -> Shader:
    """A stretch of one side plane ``|x| = side`` between depths z0, z1."""

    def shade(rows, cols):
        z = np.clip(sc.fx * side / np.maximum(np.abs(cols - sc.u0), 1e-3),
                    z0, z1)
        y = CAMERA_HEIGHT - (rows - sc.v0) * z / sc.fy
        n = noise[rows.astype(int), cols.astype(int), None]
        amp = 30.0 if label == VEGETATION else 11.0
        out = colour + amp * n
        if label == BUILDING:
            phase = z % spacing
            windows = (phase > 0.35 * spacing) & (phase < 0.8 * spacing) & (
                (y % 3.2) > 1.0) & ((y % 3.2) < 2.4) & (y > 2.5)
            out[windows] = (glass + 6.0 * n)[windows]
        elif label == FENCE:  # bars in front of a dark background
            bars = ((z % 0.6) < 0.2) | ((y % 0.5) < 0.1)
            out[~bars] *= 0.45
        return z, out

    return shade


def _add_sides(sc: _Scene, rng: np.random.Generator, side: float,
               z_end: float) -> None:
    noise = _noise(rng, sc.h, sc.w, (8, 32, 128))
    for sign in (-1.0, 1.0):
        glass = _colour(rng, (70, 85, 105), 15)
        for z0, z1, label, top, colour, spacing in _side_segments(
                rng, z_end):
            z0 = max(z0, Z_NEAR)
            if z1 <= z0:
                continue
            # The top edge: straight, or a noisy tree line (sampled evenly
            # in image columns, i.e. in 1 / z).
            cols = abs(sc.fx * side / z0 - sc.fx * side / z1)
            k = int(np.clip(cols / 3.0, 2, 64)) if label == VEGETATION else 2
            z_top = 1.0 / np.linspace(1.0 / z1, 1.0 / z0, k)
            y_top = np.full(k, top)
            if label == VEGETATION:
                y_top = np.maximum(top + 1.5 * rng.standard_normal(k), 0.5)
            x = sign * side
            outline = [(x, 0.0, z0), (x, 0.0, z1)] + [
                (x, yt, zt) for yt, zt in zip(y_top, z_top)]
            sc.add_world(_SIDE_NAMES[label], outline,
                         _side_shader(sc, label, side, z0, z1, colour,
                                      spacing, noise, glass))
    # Backdrop at the end of the street.
    height = rng.uniform(10, 30)
    col = _colour(rng, (140, 135, 130), 30)

    def backdrop(rows, cols):
        return (np.float32(z_end), col + 10.0 * noise[rows.astype(int),
                                                       cols.astype(int),
                                                       None])

    sc.add_world('building', [(-side, 0, z_end), (side, 0, z_end),
                              (side, height, z_end), (-side, height, z_end)],
                 backdrop)


def _add_sky(sc: _Scene, rng: np.random.Generator) -> None:
    h, w = sc.h, sc.w
    top = _colour(rng, (200, 150, 110), 25)  # BGR-agnostic bluish tones
    bottom = _colour(rng, (235, 220, 205), 15)
    clouds = np.clip(_noise(rng, h, w, (3, 9, 27)), 0, None)

    def shade(rows, cols):
        t = (rows / h)[:, None]
        sky = top * (1 - t) + bottom * t + 35.0 * clouds[rows.astype(int),
                                                         cols.astype(int),
                                                         None]
        return np.float32(np.inf), sky

    sc.add('sky', [(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)], shade)


def _flat_shader(sc: _Scene, rng: np.random.Generator, z: float,
                 paint: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 texture: float) -> Shader:
    """A fronto-parallel object at depth ``z``; ``paint(x, y)`` colours it."""

    def shade(rows, cols):
        x, y = sc.world_xy(rows, cols, z)
        colour = paint(x, y) + texture * rng.standard_normal(
            (rows.size, 1)).astype(np.float32)
        return np.float32(z), colour

    return shade


def _ellipse(cx: float, cy: float, rx: float, ry: float, start: float,
             stop: float, n: int = 9) -> List[Tuple[float, float]]:
    angles = np.deg2rad(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def _human(x: float, y0: float, y_neck: float, y_top: float,
           half: float) -> List[Tuple[float, float]]:
    """Outline of a body (a box) with a head (an ellipse) on top."""
    head_r = 0.5 * (y_top - y_neck)
    rx = min(0.55 * half, 0.12)
    return ([(x - half, y0), (x + half, y0), (x + half, y_neck)] +
            _ellipse(x, y_neck + head_r, rx, head_r, -60, 240, 11) +
            [(x - half, y_neck)])


def _plain(colour) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    colour = np.float32(colour)
    return lambda x, y: np.broadcast_to(colour, (x.size, 3))


def _two_tone(body: np.ndarray, head: np.ndarray,
              y_neck: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda x, y: np.where((y > y_neck)[:, None], head, body)


def _vehicle_group(rng: np.random.Generator, road_half: float):
    kind = str(rng.choice(['car', 'car', 'car', 'car', 'truck', 'bus']))
    half_w, height = dict(car=(0.9, 1.5), truck=(1.2, 3.0),
                          bus=(1.3, 3.2))[kind]
    lane = rng.uniform(-road_half + half_w, road_half - half_w)
    z = rng.uniform(5.0, 60.0)
    body = _colour(rng, rng.uniform(30, 220, 3), 10)
    glass = _colour(rng, (60, 60, 60), 10)
    wheels = [lane + s * half_w * 0.75 for s in (-1, 1)]
    # Body from 0.35 m up, two wheels below it: one outline.
    outline = [(lane - half_w, height), (lane - half_w, 0.35)]
    for wx in wheels:
        outline += [(wx - 0.2, 0.35), (wx - 0.2, 0.0), (wx + 0.2, 0.0),
                    (wx + 0.2, 0.35)]
    outline += [(lane + half_w, 0.35), (lane + half_w, height)]

    def paint(x, y):
        colour = np.broadcast_to(body, (x.size, 3)).copy()
        win = (y > height * 0.62) & (y < height * 0.92) & (
            np.abs(x - lane) < half_w * 0.8)
        colour[win] = glass
        tyre = (y < 0.55) & (np.minimum(np.abs(x - wheels[0]),
                                        np.abs(x - wheels[1])) < 0.2)
        colour[tyre] = (25, 25, 25)
        return colour

    return z, [(kind, outline, z, paint, 6.0)]


def _person_group(rng: np.random.Generator, road_half: float,
                  walk: float):
    sign = rng.choice([-1.0, 1.0])
    x = sign * (road_half + rng.uniform(0.4, max(0.5, walk - 0.3)))
    z = rng.uniform(4.0, 40.0)
    height = rng.uniform(1.55, 1.9)
    cloth = _colour(rng, rng.uniform(20, 200, 3), 10)
    skin = _colour(rng, (120, 150, 190), 20)
    outline = _human(x, 0.0, height * 0.85, height, 0.22)
    return z, [('person', outline, z, _two_tone(cloth, skin, height * 0.85),
                8.0)]


def _rider_group(rng: np.random.Generator, road_half: float):
    sign = rng.choice([-1.0, 1.0])
    x = sign * (road_half - 0.8)
    z = rng.uniform(6.0, 35.0)
    vehicle = 'bicycle' if rng.random() < 0.6 else 'motorcycle'
    wheels = [(x - 0.35, 0.0), (x + 0.35, 0.0), (x + 0.35, 0.7),
              (x + 0.15, 0.9), (x - 0.15, 0.9), (x - 0.35, 0.7)]
    cloth = _colour(rng, rng.uniform(20, 200, 3), 10)
    skin = _colour(rng, (120, 150, 190), 20)
    rider = _human(x, 0.9, 1.65, 1.85, 0.22)
    return z, [(vehicle, wheels, z, _plain((40, 40, 40)), 8.0),
               ('rider', rider, z - 0.01, _two_tone(cloth, skin, 1.65), 6.0)]


def _pole_group(rng: np.random.Generator, road_half: float):
    sign = rng.choice([-1.0, 1.0])
    x = sign * (road_half + 0.3)
    z = rng.uniform(5.0, 60.0)
    height = rng.uniform(3.0, 5.5)

    pole = [(x - 0.07, 0.0), (x + 0.07, 0.0), (x + 0.07, height),
            (x - 0.07, height)]
    parts = [('pole', pole, z, _plain((110, 110, 115)), 4.0)]
    if rng.random() < 0.6:
        colour = _colour(rng, (40, 40, 200), 30)
        if rng.random() < 0.5:
            sign_outline = _ellipse(x, height + 0.25, 0.35, 0.35, 0, 360,
                                    13)[:-1]
        else:
            sign_outline = [(x - 0.35, height - 0.1), (x + 0.35, height - 0.1),
                            (x + 0.35, height + 0.6), (x - 0.35, height + 0.6)]
        parts.append(('traffic sign', sign_outline, z - 0.02, _plain(colour),
                      5.0))
    else:
        light = [(x - 0.15, height - 0.2), (x + 0.15, height - 0.2),
                 (x + 0.15, height + 0.7), (x - 0.15, height + 0.7)]
        parts.append(('traffic light', light, z - 0.02, _plain((30, 35, 30)),
                      3.0))
    return z, parts


def _add_objects(sc: _Scene, rng: np.random.Generator, road_half: float,
                 walk: float) -> None:
    """Vehicles, persons, a rider, poles: drawn far to near."""
    groups = [_vehicle_group(rng, road_half)
              for _ in range(int(rng.integers(1, 6)))]
    groups += [_person_group(rng, road_half, walk)
               for _ in range(int(rng.integers(0, 5)))]
    if rng.random() < 0.5:
        groups.append(_rider_group(rng, road_half))
    groups += [_pole_group(rng, road_half)
               for _ in range(int(rng.integers(1, 5)))]
    # Stable sort: far first; the parts of a group keep their order.
    for _, parts in sorted(groups, key=lambda g: -g[0]):
        for name, outline, z, paint, texture in parts:
            sc.add_upright(name, outline, z,
                           _flat_shader(sc, rng, z, paint, texture))


def render_street_scene(height: int, width: int,
                        rng: np.random.Generator) -> Dict[str, object]:
    """Render one street scene with its Cityscapes annotation.

    Args:
        height (int): image height in pixels.
        width (int): image width in pixels.
        rng (np.random.Generator): source of randomness (deterministic scenes
            for a seeded generator).

    Returns:
        dict: ``image`` (H, W, 3) uint8 (BGR order, as OpenCV writes),
        ``label`` (H, W) uint8 trainIds, ``label_ids`` (H, W) uint8
        Cityscapes label ids, ``instance_ids`` (H, W) uint16 (``id * 1000 +
        k`` for instance classes, the label id otherwise), ``polygons`` (the
        ``*_gtFine_polygons.json`` content: ``imgHeight``, ``imgWidth``,
        ``objects`` with ``label`` and integer ``polygon`` in drawing order),
        ``depth`` (H, W) float32 metres (inf for the sky) and ``camera``
        (``baseline``, ``fx``, ``fy``, ``u0``, ``v0``, Cityscapes intrinsics
        scaled to the image size). All maps are the polygons rasterised as
        cityscapesscripts does.
    """
    fx = CITYSCAPES_FX * width / 2048.0
    fy = CITYSCAPES_FY * height / 1024.0
    u0 = width / 2.0 + rng.uniform(-0.02, 0.02) * width
    v0 = height * rng.uniform(0.40, 0.48)
    sc = _Scene(height, width, fx, fy, u0, v0)
    road_half = rng.uniform(3.5, 7.0)
    walk = rng.uniform(2.0, 4.0)
    side = road_half + walk + rng.uniform(0.0, 2.5)
    z_end = rng.uniform(80.0, 220.0)
    _add_sky(sc, rng)
    _add_sides(sc, rng, side, z_end)
    _add_ground(sc, rng, road_half, walk, side, z_end)
    _add_objects(sc, rng, road_half, walk)
    out = sc.render()
    # Light falloff and sensor noise.
    shade = 1.0 + 0.15 * _noise(rng, height, width, (2, 4))[..., None]
    image = out['image'] * shade + rng.normal(0, 3.0, out['image'].shape)
    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 0.6)
    out['image'] = np.clip(image, 0, 255).round().astype(np.uint8)
    out['camera'] = dict(baseline=CITYSCAPES_BASELINE, fx=fx, fy=fy, u0=u0,
                         v0=v0)
    return out
