"""Syllabus generation: an outline call, one call per module, a finalization with no model."""

from toolkit.syllabus.generate import SyllabusGenerator, SyllabusRequest, SyllabusRun
from toolkit.syllabus.models import Module, ModuleContent, Outline, Syllabus

__all__ = ["Module", "ModuleContent", "Outline", "Syllabus", "SyllabusGenerator",
           "SyllabusRequest", "SyllabusRun"]
