"""``python -m on_demand_video_decoder``: print what this installation can do."""

import json

from . import build_info


def main() -> None:
    print(json.dumps(build_info(), indent=2))


if __name__ == "__main__":
    main()
