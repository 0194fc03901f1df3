from . import demo_story
