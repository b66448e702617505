"""torchvision.transforms.v2 beside minidl_bench --augment: images/s of each augmentation layer's
torchvision counterpart at batch 64 on 32x32x3 and 224x224x3 images, applied per image (a loop
over the batch: a draw per image, as minidl) and batched (one call on the (64,3,H,W) tensor: one
draw for the whole batch).

Usage: python bench/torchvision_augment_peer.py THREADS [REPS] [ONLY]
(ONLY: measure only the layers whose name contains it.)
Needs torch and torchvision >= 0.16 (transforms.v2), e.g. in a venv: pip install torch torchvision.
Prints one JSON object with "<minidl layer>_<size>_per_image" and "..._batched" keys.
Float images in [0, 255] (as minidl's), uint8 where the op takes only uint8 (posterize, equalize,
RandAugment, AugMix: the conversion is included in the time).
"""
import json, statistics, sys, time
import torch
from torchvision.transforms import v2

threads = int(sys.argv[1])
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
only = sys.argv[3] if len(sys.argv) > 3 else ""
torch.set_num_threads(threads)
torch.manual_seed(0)
B = 64
BL = v2.InterpolationMode.BILINEAR


def layers(size):
    f = 0.1 * size  # RandomElasticTransform's alpha at scale 1 (0.1 max(H, W))
    return {
        "RandomFlip": (v2.RandomHorizontalFlip(0.5), False),
        "RandomRotation": (v2.RandomRotation(36, interpolation=BL), False),
        "RandomTranslation": (v2.RandomAffine(0, translate=(0.1, 0.1), interpolation=BL), False),
        "RandomZoom": (v2.RandomAffine(0, scale=(0.8, 1.2), interpolation=BL), False),
        "RandomShear": (v2.RandomAffine(0, shear=(-11.3, 11.3, -11.3, 11.3), interpolation=BL), False),
        "RandomPerspective": (v2.RandomPerspective(0.5, p=1.0), False),
        "RandomElasticTransform": (v2.ElasticTransform(alpha=f, sigma=0.05 * size), False),
        "RandomBrightness": (v2.ColorJitter(brightness=0.2), False),
        "RandomContrast": (v2.ColorJitter(contrast=0.2), False),
        "RandomHue": (v2.ColorJitter(hue=0.1), False),
        "RandomSaturation": (v2.ColorJitter(saturation=(0.43, 2.33)), False),
        "RandomColorJitter": (v2.ColorJitter(0.2, 0.2, 0.4, 0.1), False),
        "RandomGrayscale": (v2.RandomGrayscale(1.0), False),
        "RandomColorDegeneration": (v2.ColorJitter(saturation=(0.5, 1.0)), False),
        "RandomSharpness": (v2.RandomAdjustSharpness(1.5, p=1.0), False),
        "RandomPosterization": (v2.RandomPosterize(5, p=1.0), True),
        "Solarization": (v2.RandomSolarize(0.75, p=1.0), False),
        "RandomInvert": (v2.RandomInvert(1.0), False),
        "RandomGaussianBlur": (v2.GaussianBlur(3, sigma=(0.1, 2.0)), False),
        # Noise in the rectangle, as minidl's default fill (torchvision's default is zeros).
        "RandomErasing": (v2.RandomErasing(1.0, value="random"), False),
        "RandAugment": (v2.RandAugment(), True),
        "AugMix": (v2.AugMix(), True),
        "AutoContrast": (v2.RandomAutocontrast(1.0), False),
        "Equalization": (v2.RandomEqualize(1.0), True),
    }


def seconds_per_call(fn):
    for _ in range(2):
        fn()
    start = time.perf_counter(); fn(); one = time.perf_counter() - start
    calls = max(1, int(0.3 / max(one, 1e-6)))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


results = {"peer": "torchvision", "torchvision": __import__("torchvision").__version__,
           "torch": torch.__version__, "threads": threads, "reps": reps}
for size in (32, 224):
    x = torch.rand(B, 3, size, size) * 255
    x8 = x.to(torch.uint8)
    for name, (t, uint8) in layers(size).items():
        if only not in name:
            continue
        batch = x8 if uint8 else x
        # The float ops expect [0, 1] where they clip; scale as a user would.
        if not uint8:
            batch = batch / 255.0
        per_image = lambda: [t(img) for img in batch]
        batched = lambda: t(batch)
        results[f"{name}_{size}_per_image"] = round(B / seconds_per_call(per_image), 1)
        try:
            results[f"{name}_{size}_batched"] = round(B / seconds_per_call(batched), 1)
        except Exception:  # some v2 ops take one image only
            results[f"{name}_{size}_batched"] = None
print(json.dumps(results, indent=1))
